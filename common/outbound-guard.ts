import { redactSecrets } from './redact';

/**
 * The outbound guard (Workflow v2 §7): external messages never disclose exploit paths, security
 * findings, internal endpoints or secrets. Security issues are hardening tasks for the team, not
 * news for donors. Pure, so the workflow checks a draft before asking anyone to approve it, and
 * the messaging activity checks again right before sending.
 */
export interface GuardFinding {
  rule: string;
  excerpt: string;
}

export interface GuardVerdict {
  allowed: boolean;
  findings: GuardFinding[];
}

const RULES: Array<{ rule: string; pattern: RegExp }> = [
  { rule: 'cve_reference', pattern: /\bCVE-\d{4}-\d{4,}\b/gi },
  {
    rule: 'exploit_detail',
    pattern:
      /\b(?:exploit(?:s|ed|ing|able)?|proof[- ]of[- ]concept|zero[- ]day|0-?day|reverse shell|privilege escalation|priv-?esc|remote code execution|RCE|SQL ?injection|SQLi|XSS|cross[- ]site (?:scripting|request forgery)|CSRF|SSRF|path traversal|directory traversal|command injection|buffer overflow|brute[- ]forc(?:e|ed|ing)|credential stuffing|auth(?:entication)? bypass|bypass(?:es|ed|ing)? (?:the )?(?:login|auth\w*|2fa|mfa|sso|paywall|rate limit))\b/gi,
  },
  {
    rule: 'security_finding',
    pattern:
      /\b(?:vulnerabilit(?:y|ies)|vulnerable (?:to|endpoint|plugin|version)|security (?:finding|flaw|hole|gap|weakness|audit finding)s?|pen(?:etration)?[- ]?test(?:ing)? (?:finding|report|result)s?|unpatched|misconfigur(?:ed|ation)|exposed (?:admin|port|endpoint|bucket|credentials?|database|api|backup)s?|(?:open|public) (?:s3 )?bucket|default (?:passwords?|credentials)|weak passwords?|unauthenticated (?:access|endpoint|api))\b/gi,
  },
  {
    rule: 'internal_path',
    pattern: /(?:^|[\s"'(=])(?:https?:\/\/[^\s/]+)?\/(?:admin|wp-admin|wp-login\.php|phpmyadmin|debug|internal|\.env|\.git|actuator|server-status|console|graphql\/playground|api\/internal)\b[^\s"')]*/gi,
  },
  { rule: 'internal_address', pattern: /\b(?:10\.\d{1,3}|192\.168|172\.(?:1[6-9]|2\d|3[01]))\.\d{1,3}\.\d{1,3}\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|corp|lan|intranet)\b/gi },
];

export function checkOutbound(text: string): GuardVerdict {
  const findings: GuardFinding[] = [];
  for (const { rule, pattern } of RULES) {
    for (const match of text.matchAll(pattern)) findings.push({ rule, excerpt: excerpt(text, match.index ?? 0, match[0].length) });
  }
  if (redactSecrets(text) !== text) findings.push({ rule: 'secret', excerpt: 'a credential-like value (not shown)' });
  return { allowed: findings.length === 0, findings };
}

/** Human-readable reasons, e.g. for the failure message and the alert. */
export function describeFindings(verdict: GuardVerdict): string {
  return verdict.findings.map((f) => `${f.rule} ("${f.excerpt}")`).join('; ');
}

function excerpt(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 20);
  const end = Math.min(text.length, index + length + 20);
  return redactSecrets(`${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ').trim()}${end < text.length ? '…' : ''}`);
}
