import { SECRET_KEYS, SECRET_PATTERNS, type SecretPattern } from './secret-rules';

/**
 * Secret redaction, applied to every log line, to alerts, to source data as it is loaded, and to
 * prompts before they leave the process (in the workflow, and again in the inference activity).
 * Pure and deterministic (no Node APIs), so workflow code can use it.
 *
 * Patterns are deliberately broad where a format has a recognisable prefix or context: a false
 * positive costs a detail, a false negative leaks a credential. Free prose must survive, so
 * context-free patterns (bearer tokens, key assignments) require token-like text.
 */

/** `\b` treats `_` as a word character; secrets sit next to `_` (Markdown emphasis, `key_old`), so boundaries here are alphanumeric only. */
const ALNUM_BOUNDARY = '(?:(?<![A-Za-z0-9])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?![A-Za-z0-9]))';

const PATTERNS: SecretPattern[] = SECRET_PATTERNS.map(({ kind, pattern, needs }) => ({ kind, pattern: new RegExp(pattern.source.replaceAll('\\b', ALNUM_BOUNDARY), pattern.flags), needs }));

/** Every secret kind this module recognises (for docs and tests). */
export const SECRET_KINDS: readonly string[] = [...new Set(PATTERNS.map((p) => p.kind))];

/** Each rule in order, on the text as the rules before it left it; a rule whose `needs` the text lacks cannot match and is not run. */
function applyPatterns(text: string, everyRule = false): string {
  let out = text;
  for (const { kind, pattern, needs } of PATTERNS) if (everyRule || needs.test(out)) out = out.replace(pattern, `[REDACTED:${kind}]`);
  return out;
}

/**
 * Redacts every secret the rule table recognises. Text that hides a secret behind percent-encoding
 * (`%2F`, twice-encoded too) or JSON escapes (`\/`, `\"`, `\u002F`) is matched decoded: when the decoded
 * form holds a secret, the redacted decoded form is returned (the encoding is lost, the secret too).
 */
export function redactSecrets(text: string): string {
  return redactWith(text, false);
}

/** `redactSecrets` running every rule on every text: the reference the rules' `needs` are tested against. */
export function redactSecretsTryingEveryRule(text: string): string {
  return redactWith(text, true);
}

function redactWith(text: string, everyRule: boolean): string {
  const direct = applyPatterns(text, everyRule);
  const decoded = decodeForMatching(direct);
  if (decoded === direct) return direct;
  const redacted = applyPatterns(decoded, everyRule);
  return redacted === decoded ? direct : redacted;
}

function decodeForMatching(text: string): string {
  let out = text;
  for (let round = 0; round < 3; round += 1) {
    const next = out
      .replace(/\\u00([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      .replace(/\\([/"])/g, '$1')
      .replace(/(?:%[0-9a-fA-F]{2})+/g, percentDecode);
    if (next === out) return out;
    out = next;
  }
  return out;
}

function percentDecode(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    // Not UTF-8 (a lone byte): decode byte by byte, so the ASCII parts still match.
    return run.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** True when `text` holds something that looks like a secret. */
export function containsSecret(text: string): boolean {
  return redactSecrets(text) !== text;
}

const MAX_DEPTH = 12;

/**
 * A key that names its value a secret (`password`, `api_key`, `apiKey`, `X-Api-Key`, `db.secret`,
 * `refresh_token`): camelCase and `-`/`.` are read as `_`; `max_tokens` or `tokensPerSecond` are not secrets.
 */
const SECRET_KEY_NAME = new RegExp(`(?:^|_)(?:${SECRET_KEYS}|authorization|cookie|bearer|x_api_key)$`, 'i');

export function isSecretKeyName(key: string): boolean {
  const normalised = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[-.\s]+/g, '_');
  return SECRET_KEY_NAME.test(normalised);
}

/**
 * Deep-redacts a JSON-like value: strings are redacted, and whatever sits under a secret-named key
 * is replaced whole. What is nested too deep to inspect is dropped, never passed through.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[REDACTED:nested_too_deep]';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactSecrets(value.message) };
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSecretKeyName(key) && inner !== null && inner !== undefined && inner !== '' && typeof inner !== 'boolean' ? '[REDACTED:secret_field]' : redactValue(inner, depth + 1);
  }
  return out;
}
