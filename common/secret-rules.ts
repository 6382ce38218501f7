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
}

/** `name = value` / `"name": "value"` keys whose value is a secret; a prefix such as `DD_` or `db.` is allowed. */
export const SECRET_KEYS =
  'password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key|apikey|token|auth[_-]?token|access[_-]?token|refresh[_-]?token|' +
  'access[_-]?key|secret[_-]?key|private[_-]?key|credentials?|session[_-]?key|signing[_-]?key|webhook[_-]?secret';

/** A secret-named key in quotes (`"api_key"`, `'password'`) or bare after `{` or `,` (`{password: …}`). */
const QUOTED_SECRET_KEY = `(?:["'](?:[A-Za-z0-9]+[_.-])*(?:${SECRET_KEYS})["']|[{,]\\s*(?:[A-Za-z0-9]+[_.-])*(?:${SECRET_KEYS}))`;

/** Order matters: whole structures (keys, URLs) first, then prefixed tokens, then context-based rules. */
export const SECRET_PATTERNS: SecretPattern[] = [
  { kind: 'private_key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g },
  // A key cut off before its END line (truncated log lines) is still a key.
  { kind: 'private_key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:-]*/g },
  { kind: 'slack_webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/g },
  { kind: 'discord_webhook', pattern: /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,}/g },
  { kind: 'url_password', pattern: /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'mapbox_secret_token', pattern: /\b(?:sk|tk)\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g },
  { kind: 'anthropic_key', pattern: /\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai_key', pattern: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'aws_access_key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { kind: 'aws_secret_key', pattern: /(?<=\baws_?secret_?(?:access_?)?key["']?\s*[=:]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi },
  { kind: 'github_token', pattern: /\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}/g },
  { kind: 'gitlab_token', pattern: /\bgl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}/g },
  { kind: 'slack_token', pattern: /\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{10,}/g },
  { kind: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { kind: 'google_oauth_secret', pattern: /\bGOCSPX-[A-Za-z0-9_-]{24,}/g },
  { kind: 'stripe_key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}/g },
  { kind: 'stripe_webhook_secret', pattern: /\bwhsec_[A-Za-z0-9]{24,}/g },
  { kind: 'twilio_api_key', pattern: /\bSK[0-9a-fA-F]{32}\b/g },
  { kind: 'sendgrid_key', pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g },
  { kind: 'mailgun_key', pattern: /\bkey-[0-9a-zA-Z]{32}\b/g },
  { kind: 'npm_token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'pypi_token', pattern: /\bpypi-AgE[A-Za-z0-9_-]{50,}/g },
  { kind: 'huggingface_token', pattern: /\bhf_[A-Za-z0-9]{30,}\b/g },
  { kind: 'telegram_bot_token', pattern: /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g },
  { kind: 'shopify_token', pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g },
  { kind: 'digitalocean_token', pattern: /\bdo[opr]_v1_[a-f0-9]{64}\b/g },
  { kind: 'databricks_token', pattern: /\bdapi[a-f0-9]{32}(?:-\d)?\b/g },
  { kind: 'square_token', pattern: /\bsq0(?:atp|csp)-[A-Za-z0-9_-]{22,}/g },
  { kind: 'groq_key', pattern: /\bgsk_[A-Za-z0-9]{40,}\b/g },
  { kind: 'replicate_token', pattern: /\br8_[A-Za-z0-9]{30,}\b/g },
  { kind: 'linear_key', pattern: /\blin_api_[A-Za-z0-9]{32,}\b/g },
  { kind: 'notion_token', pattern: /\b(?:secret_|ntn_)[A-Za-z0-9]{40,}\b/g },
  { kind: 'age_secret_key', pattern: /\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/g },
  { kind: 'azure_storage_key', pattern: /(?<=\bAccountKey=)[A-Za-z0-9+/=]{40,}/g },
  { kind: 'azure_sas_signature', pattern: /(?<=[?&]sig=)[A-Za-z0-9%+/=]{20,}/g },
  // An Authorization header value, whatever its scheme.
  { kind: 'authorization_header', pattern: /(?<=\bAuthorization["']?\s*[:=]\s*["']?)(?!\[REDACTED)(?:(?:Basic|Bearer|Token|Digest|Bot)\s+)?[^\s"',;]{8,}/gi },
  // Bearer/Basic credentials in prose or config: the token must look like one (a digit or symbol), so "basic understanding" survives.
  { kind: 'bearer', pattern: /\b(?:Bearer|Basic)\s+(?!\[REDACTED)(?=[A-Za-z._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{12,}/gi },
  // A quoted key (JSON, a Python or JS dict) or an object key names its quoted value a secret, whatever the value looks like.
  { kind: 'secret_field', pattern: new RegExp(`(?<=${QUOTED_SECRET_KEY}\\s*[:=]\\s*")(?!\\[REDACTED)(?:[^"\\\\\\n]|\\\\.)+(?=")`, 'gi') },
  { kind: 'secret_field', pattern: new RegExp(`(?<=${QUOTED_SECRET_KEY}\\s*[:=]\\s*')(?!\\[REDACTED)(?:[^'\\\\\\n]|\\\\.)+(?=')`, 'gi') },
  {
    kind: 'assignment',
    // The value must look like a credential (a digit or symbol, or 16+ letters): "token: roughly" is prose.
    pattern: new RegExp(
      `(?<=\\b(?:[A-Za-z0-9]+[_.-])*(?:${SECRET_KEYS})["']?\\s*[=:]\\s*["']?)(?!\\[REDACTED)(?:(?=[^\\s"',;]*[^A-Za-z\\s"',;])[^\\s"',;]{6,}|[A-Za-z]{16,})`,
      'gi',
    ),
  },
];

