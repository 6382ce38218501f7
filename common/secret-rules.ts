/**
 * The redactor's rule table: one entry per secret format, as data, so the engine in redact.ts
 * stays small. Pure (no Node APIs): workflow code uses it through redact.ts.
 *
 * `\b` in these sources is rewritten by redact.ts into an alphanumeric boundary that treats `_`
 * as a separator, so `_AKIA…_` (Markdown emphasis) and `…_old` suffixes still match.
 */
export interface SecretPattern {
  kind: string;
  pattern: RegExp;
  /**
   * Text every match of `pattern` contains (a literal, or a few alternatives): a text without it
   * cannot match, so the engine skips the rule without running it (most rules, most texts).
   * Must hold for every match — test/redact-prefilter.test.ts checks the rules against the engine
   * that tries every rule.
   */
  needs: RegExp;
}

/** `name = value` / `"name": "value"` keys whose value is a secret; a prefix such as `DD_` or `db.` is allowed. */
export const SECRET_KEYS =
  'password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key|apikey|token|auth[_-]?token|access[_-]?token|refresh[_-]?token|' +
  'access[_-]?key|secret[_-]?key|private[_-]?key|credentials?|session[_-]?key|signing[_-]?key|webhook[_-]?secret';

/** A word every SECRET_KEYS alternative contains (`api_key` → key, `passwd` → pass, `credentials` → credential…). */
const SECRET_KEY_WORD = /pass|pwd|secret|key|token|credential/i;

/** A secret-named key in quotes (`"api_key"`, `'password'`) or bare after `{` or `,` (`{password: …}`). */
const QUOTED_SECRET_KEY = `(?:["'](?:[A-Za-z0-9]+[_.-])*(?:${SECRET_KEYS})["']|[{,]\\s*(?:[A-Za-z0-9]+[_.-])*(?:${SECRET_KEYS}))`;

/** Order matters: whole structures (keys, URLs) first, then prefixed tokens, then context-based rules. */
export const SECRET_PATTERNS: SecretPattern[] = [
  { kind: 'private_key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g , needs: /PRIVATE KEY/ },
  // A key cut off before its END line (truncated log lines) is still a key.
  { kind: 'private_key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:-]*/g , needs: /PRIVATE KEY/ },
  { kind: 'slack_webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/g , needs: /hooks\.slack\.com\// },
  { kind: 'discord_webhook', pattern: /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,}/g , needs: /\/api\/webhooks\// },
  { kind: 'url_password', pattern: /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi , needs: /:\/\// },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g , needs: /eyJ/ },
  { kind: 'mapbox_secret_token', pattern: /\b(?:sk|tk)\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g , needs: /[st]k\.eyJ/ },
  { kind: 'anthropic_key', pattern: /\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{20,}/g , needs: /sk-ant-/ },
  { kind: 'openai_key', pattern: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}/g , needs: /sk-/ },
  { kind: 'aws_access_key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g , needs: /A(?:KIA|SIA|BIA|CCA)/ },
  { kind: 'aws_secret_key', pattern: /(?<=\baws_?secret_?(?:access_?)?key["']?\s*[=:]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi , needs: /aws_?secret/i },
  { kind: 'github_token', pattern: /\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}/g , needs: /gh[pousr]_|github_pat_/ },
  { kind: 'gitlab_token', pattern: /\bgl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}/g , needs: /gl(?:pat|dt|rt|ptt|cbt|oas)-/ },
  { kind: 'slack_token', pattern: /\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{10,}/g , needs: /xox[abposre]-|xapp-/ },
  { kind: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g , needs: /AIza/ },
  { kind: 'google_oauth_secret', pattern: /\bGOCSPX-[A-Za-z0-9_-]{24,}/g , needs: /GOCSPX-/ },
  { kind: 'stripe_key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}/g , needs: /[srp]k_(?:live|test)_/ },
  { kind: 'stripe_webhook_secret', pattern: /\bwhsec_[A-Za-z0-9]{24,}/g , needs: /whsec_/ },
  { kind: 'twilio_api_key', pattern: /\bSK[0-9a-fA-F]{32}\b/g , needs: /SK/ },
  { kind: 'sendgrid_key', pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g , needs: /SG\./ },
  { kind: 'mailgun_key', pattern: /\bkey-[0-9a-zA-Z]{32}\b/g , needs: /key-/ },
  { kind: 'npm_token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g , needs: /npm_/ },
  { kind: 'pypi_token', pattern: /\bpypi-AgE[A-Za-z0-9_-]{50,}/g , needs: /pypi-AgE/ },
  { kind: 'huggingface_token', pattern: /\bhf_[A-Za-z0-9]{30,}\b/g , needs: /hf_/ },
  { kind: 'telegram_bot_token', pattern: /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g , needs: /:AA/ },
  { kind: 'shopify_token', pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g , needs: /shp(?:at|ca|pa|ss)_/ },
  { kind: 'digitalocean_token', pattern: /\bdo[opr]_v1_[a-f0-9]{64}\b/g , needs: /do[opr]_v1_/ },
  { kind: 'databricks_token', pattern: /\bdapi[a-f0-9]{32}(?:-\d)?\b/g , needs: /dapi/ },
  { kind: 'square_token', pattern: /\bsq0(?:atp|csp)-[A-Za-z0-9_-]{22,}/g , needs: /sq0(?:atp|csp)-/ },
  { kind: 'groq_key', pattern: /\bgsk_[A-Za-z0-9]{40,}\b/g , needs: /gsk_/ },
  { kind: 'replicate_token', pattern: /\br8_[A-Za-z0-9]{30,}\b/g , needs: /r8_/ },
  { kind: 'linear_key', pattern: /\blin_api_[A-Za-z0-9]{32,}\b/g , needs: /lin_api_/ },
  { kind: 'notion_token', pattern: /\b(?:secret_|ntn_)[A-Za-z0-9]{40,}\b/g , needs: /secret_|ntn_/ },
  { kind: 'age_secret_key', pattern: /\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/g , needs: /AGE-SECRET-KEY-1/ },
  { kind: 'azure_storage_key', pattern: /(?<=\bAccountKey=)[A-Za-z0-9+/=]{40,}/g , needs: /AccountKey=/ },
  { kind: 'azure_sas_signature', pattern: /(?<=[?&]sig=)[A-Za-z0-9%+/=]{20,}/g , needs: /[?&]sig=/ },
  // An Authorization header value, whatever its scheme.
  { kind: 'authorization_header', pattern: /(?<=\bAuthorization["']?\s*[:=]\s*["']?)(?!\[REDACTED)(?:(?:Basic|Bearer|Token|Digest|Bot)\s+)?[^\s"',;]{8,}/gi , needs: /authorization/i },
  // Bearer/Basic credentials in prose or config: the token must look like one (a digit or symbol), so "basic understanding" survives.
  { kind: 'bearer', pattern: /\b(?:Bearer|Basic)\s+(?!\[REDACTED)(?=[A-Za-z._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{12,}/gi , needs: /bearer|basic/i },
  // A quoted key (JSON, a Python or JS dict) or an object key names its quoted value a secret, whatever the value looks like.
  { kind: 'secret_field', pattern: new RegExp(`(?<=${QUOTED_SECRET_KEY}\\s*[:=]\\s*")(?!\\[REDACTED)(?:[^"\\\\\\n]|\\\\.)+(?=")`, 'gi'), needs: SECRET_KEY_WORD },
  { kind: 'secret_field', pattern: new RegExp(`(?<=${QUOTED_SECRET_KEY}\\s*[:=]\\s*')(?!\\[REDACTED)(?:[^'\\\\\\n]|\\\\.)+(?=')`, 'gi'), needs: SECRET_KEY_WORD },
  {
    kind: 'assignment',
    // The value must look like a credential (a digit or symbol, or 16+ letters): "token: roughly" is prose.
    pattern: new RegExp(
      `(?<=\\b(?:[A-Za-z0-9]+[_.-])*(?:${SECRET_KEYS})["']?\\s*[=:]\\s*["']?)(?!\\[REDACTED)(?:(?=[^\\s"',;]*[^A-Za-z\\s"',;])[^\\s"',;]{6,}|[A-Za-z]{16,})`,
      'gi',
    ),
    needs: SECRET_KEY_WORD,
  },
];

