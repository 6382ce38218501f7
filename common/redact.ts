/**
 * Secret redaction, applied to every log line (and, by the secrets work, to prompts before they
 * leave the process). Patterns are deliberately broad: a false positive costs a log detail,
 * a false negative leaks a credential.
 */
const PATTERNS: Array<{ kind: string; pattern: RegExp }> = [
  { kind: 'private_key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g },
  { kind: 'bearer', pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/gi },
  { kind: 'openai_key', pattern: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b/g },
  { kind: 'aws_access_key', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: 'github_token', pattern: /\b(ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}\b/g },
  { kind: 'slack_token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { kind: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'stripe_key', pattern: /\b(sk|rk|pk)_(live|test)_[0-9A-Za-z]{16,}\b/g },
  { kind: 'url_password', pattern: /(?<=[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi },
  { kind: 'assignment', pattern: /(?<=\b(?:password|passwd|secret|api[_-]?key|token|access[_-]?key)\s*[=:]\s*["']?)[^\s"',;]{6,}/gi },
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const { kind, pattern } of PATTERNS) out = out.replace(pattern, `[REDACTED:${kind}]`);
  return out;
}

/** Deep-redacts strings inside a JSON-like value. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactSecrets(value.message) };
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = redactValue(inner, depth + 1);
  return out;
}
