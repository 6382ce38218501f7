import { redactSecrets } from './redact';

/**
 * The outbound guard (Workflow v2 §7): external messages never disclose exploit paths, security
 * findings, internal endpoints or secrets. Security issues are hardening tasks for the team, not
 * news for donors. Pure, so the workflow checks a draft before asking anyone to approve it, and
 * the messaging activity checks again right before sending.
 *
 * The text is normalised first (Unicode compatibility forms, every dash to `-`, invisible
 * characters dropped) and redacted WHOLE before any rule runs, so an excerpt never carries the
 * first characters of a secret. Rules are phrases, not words: "injection of funds", "bucket list",
 * "admin team", "Social Security" or "open access" are ordinary comms; "SQL injection", "open S3
 * bucket" or "exposed admin panel" are not.
 */
export interface GuardFinding {
  rule: string;
  excerpt: string;
}

export interface GuardVerdict {
  allowed: boolean;
  findings: GuardFinding[];
}

const INJECTION_KINDS = 'sql|nosql|command|os command|shell|code|ldap|xpath|xml|template|server[- ]side template|header|host header|crlf|html|script|prompt|log';
const EXPOSED_THINGS =
  '(?:s3 |gcs |azure |cloud |storage |blob |backup )?(?:buckets?|containers?|blob storage|databases?|db|elasticsearch|mongodb|redis|kibana|jenkins|grafana|endpoints?|apis?|admin (?:panel|page|interface|console|portal|login)s?|dashboards?|consoles?|backups?|credentials|keys|tokens|ports?|debug (?:mode|page|endpoint)|directory listings?|\\.git(?: (?:directory|folder|repo(?:sitory)?))?|\\.env(?: files?)?|swagger(?: ui)?|phpmyadmin)';
const EXPOSED_STATE = '(?:publicly |world[- ])?(?:open|public|exposed|readable|listable|writable|accessible|reachable|unprotected|unauthenticated|unsecured|misconfigured|left open)';

const RULES: Array<{ rule: string; pattern: RegExp }> = [
  // CVE ids in any spelling (CVE-2024-12345, cve 2024 12345, CVE_2024_12345, CVE‑2024‑12345), GitHub advisories, CWE classes.
  { rule: 'cve_reference', pattern: /\b(?:CVE[\s_-]*(?:19|20)\d{2}[\s_-]*\d{4,7}|GHSA(?:-[0-9a-z]{4}){3}|CWE[\s_-]*\d{1,4})\b/gi },
  {
    rule: 'exploit_detail',
    pattern: new RegExp(
      [
        `(?:${INJECTION_KINDS})[- ]?injection`,
        'cross[- ]site (?:scripting|request forgery)',
        'server[- ]side request forgery',
        'insecure direct object references?',
        '(?:remote|arbitrary) (?:code|command) execution',
        '(?:path|directory) traversal',
        '(?:local|remote) file inclusion',
        'open redirects?',
        '(?:unrestricted|arbitrary|unvalidated|malicious) (?:file )?uploads?',
        'file upload (?:flaw|bug|vulnerabilit(?:y|ies)|hole)',
        'xml external entit(?:y|ies)',
        'insecure deserial[iz]ation',
        '(?:buffer|heap|stack|integer) overflows?',
        'use[- ]after[- ]free',
        'privilege escalation',
        'priv-?esc',
        'reverse shells?',
        'web ?shells?',
        'zero-days?',
        'zero day (?:exploit|vulnerabilit(?:y|ies)|flaw|bug|attack)s?',
        '0-?days?',
        'proof[- ]of[- ]concept',
        // "exploitation of workers" and a volunteer's "exploits" are ordinary words; an exploit of software is not.
        'exploit(?:able|ability| code| kit| chain)',
        '(?:working|public|known|new|remote|local) exploits?',
        'exploits? (?:for|in|against|targeting) (?:the |our |a |this |that )?(?:bug|flaw|hole|vulnerabilit(?:y|ies)|weakness|server|endpoint|api|plugin|form|site|website|system|login|cms|cve)',
        '(?:is|are|was|were|being|been|actively) exploited',
        'exploit(?:ed|ing)? (?:the |a |an |this |that )?(?:bug|flaw|hole|vulnerabilit(?:y|ies)|weakness|server|endpoint|api|plugin|form|site|website|system|login|cms)',
        'brute[- ]forc(?:e|ed|ing)',
        'credential stuffing',
        'session (?:fixation|hijacking)',
        'account takeover',
        'subdomain takeover',
        'clickjacking',
        'prototype pollution',
        'request smuggling',
        'mass assignment',
        'broken (?:access control|authentication|object level authori[sz]ation)',
        '(?:unauthori[sz]ed|unauthenticated) (?:access|users?|requests?|api calls?)',
        'missing (?:authori[sz]ation|authentication)(?: check)?',
      ]
        .map((phrase) => `\\b(?:${phrase})\\b`)
        .join('|'),
      'gi',
    ),
  },
  // Acronyms only in capitals (SQLi aside), so "rce" inside words or "idor" in names never match.
  { rule: 'exploit_detail', pattern: /\b(?:SQLi|XSS|XSRF|CSRF|SSRF|IDOR|RCE|LFI|RFI|XXE|SSTI|PoC)\b/g },
  {
    rule: 'exploit_payload',
    pattern: /(?:'\s*OR\s*'?1'?\s*=\s*'?1|\bOR\s+1\s*=\s*1\b|\bUNION\s+(?:ALL\s+)?SELECT\b|;\s*DROP\s+TABLE\b|<\s*script\b|\bjavascript:|\bonerror\s*=|(?:\.\.[/\\]){2,}|\/etc\/(?:passwd|shadow)\b|\bcmd\.exe\b|;\s*rm\s+-rf\b|\$\{jndi:)/gi,
  },
  {
    rule: 'security_finding',
    pattern:
      /\b(?:vulnerabilit(?:y|ies)|vulnerable (?:to (?:\w+ ){0,2}(?:injection|attacks?|exploitation|exploits?|xss|csrf|ssrf|rce|hijacking|traversal|takeover|overflows?)|(?:endpoints?|plugins?|versions?|servers?|software|pages?|forms?|apis?|librar(?:y|ies)|components?))|security (?:finding|flaw|hole|bug|gap|weakness|loophole|defect|misconfiguration|audit finding)s?|pen(?:etration)?[- ]?test(?:ing)? (?:finding|report|result)s?|pentest|bug bounty (?:report|submission)s?|unpatched|misconfigur(?:ed|ation)|(?:leaked|exposed) (?:credentials?|passwords?|api keys?|keys|tokens|secrets)|weak passwords?|hard-?coded (?:passwords?|credentials|keys?|secrets?|tokens?)|(?:passwords?|credentials|api keys?|keys|secrets?|tokens?) (?:were|are|was|is) hard-?coded)\b/gi,
  },
  {
    rule: 'default_credentials',
    pattern: new RegExp(
      [
        '\\b(?:factory[- ])?default (?:admin )?(?:passwords?|credentials|logins?|pins?|passcodes?)\\b',
        '\\b(?:admin|root|user|guest|administrator|sa|pi)\\s*[:/]\\s*(?:admin|password|root|guest|toor|1234|12345|123456|changeme|default|letmein|raspberry|pass)\\b',
        '\\bpassword (?:is|was|=|:)\\s*["\']?(?:password|admin|changeme|123456|1234|12345|default|letmein|qwerty)\\b',
        '\\b(?:unchanged|never changed|still using) (?:the )?(?:default|factory) (?:password|credentials|login)s?\\b',
      ].join('|'),
      'gi',
    ),
  },
  {
    rule: 'exposed_endpoint',
    pattern: new RegExp(
      [
        `\\b(?:open|public|publicly (?:readable|accessible|writable|listable|reachable)|world[- ](?:readable|writable)|unsecured|unprotected|unauthenticated|exposed|misconfigured|listable) ${EXPOSED_THINGS}\\b`,
        `(?:^|[^\\w])${EXPOSED_THINGS} (?:is|was|are|were|has been|have been|left|still|stays?|remains?) (?:still )?${EXPOSED_STATE}\\b`,
        '\\b(?:open|exposed) ports?\\b',
        '\\bport \\d{2,5} (?:is |was )?(?:open|exposed|reachable)\\b',
        '\\bdirectory listing (?:is |was )?(?:enabled|on)\\b',
        '\\bs3:\\/\\/[a-z0-9.-]+',
        '\\b[a-z0-9.-]+\\.s3[.-](?:[a-z0-9-]+\\.)?amazonaws\\.com\\b',
        '\\bstorage\\.googleapis\\.com\\/[a-z0-9._-]+',
        '\\b[a-z0-9]+\\.blob\\.core\\.windows\\.net\\b',
      ].join('|'),
      'gi',
    ),
  },
  {
    rule: 'bypass_instruction',
    pattern: new RegExp(
      [
        '\\b(?:bypass(?:es|ed|ing)?|circumvent(?:s|ed|ing)?|get(?:ting)? (?:around|past)|got (?:around|past)|sidestep(?:s|ped|ping)?) (?:the |our |their |a |any )?(?:login|log-in|sign-in|auth\\w*|2fa|mfa|two-factor|sso|paywall|rate[- ]?limit\\w*|captcha|firewall|waf|filters?|checks?|verification|security|validation|payment|approval|access controls?|permissions?)\\b',
        '\\bdisabl(?:e|ed|ing) (?:the )?(?:2fa|mfa|two-factor|firewall|antivirus|waf|security checks?|ssl verification|tls verification|certificate (?:checks?|verification)|csrf protection|authentication)\\b',
        '\\bskip(?:s|ped|ping)? (?:the )?(?:login|authentication|auth|2fa|mfa|verification step|payment step|captcha)\\b',
        '\\b(?:access|view|download|read|edit|change|modify|delete|see|list|export)\\w* (?:\\w+ ){0,4}without (?:authentication|authenticating|credentials|a password|any password|being logged in|logging in first|auth)\\b',
        '\\b(?:chang|increment|decrement|edit|modify|swap|tamper)(?:e|es|ed|ing)? (?:with )?(?:the )?(?:id|user ?id|donor ?id|account (?:id|number)|number|parameter|cookie)s? (?:in|of) the (?:url|link|address bar|request|query string)\\b',
        '\\bcrafted (?:requests?|urls?|links?|cookies?|payloads?|inputs?|files?|packets?|headers?|queries)\\b',
        '\\bjailbreak(?:s|ed|ing)?\\b',
      ].join('|'),
      'gi',
    ),
  },
  {
    rule: 'internal_path',
    pattern: /(?:^|[\s"'(=])(?:https?:\/\/[^\s/]+)?\/(?:admin|wp-admin|wp-login\.php|phpmyadmin|debug|internal|\.env|\.git|actuator|server-status|console|graphql\/playground|api\/internal)\b[^\s"')]*/gi,
  },
  {
    rule: 'internal_address',
    pattern:
      /\b(?:10\.\d{1,3}|192\.168|172\.(?:1[6-9]|2\d|3[01])|169\.254|127\.\d{1,3}|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7]))\.\d{1,3}\.\d{1,3}\b|\blocalhost:\d{2,5}\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|corp|lan|intranet|local)\b/gi,
  },
];

const DASHES = /[\u2010-\u2015\u2212\u2E3A\u2E3B\uFE58\uFE63\uFF0D]/g;
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

/** One spelling for every variant a rule should see: compatibility forms, one dash, no invisible characters. */
function normalise(text: string): string {
  return text.normalize('NFKC').replace(DASHES, '-').replace(INVISIBLE, '');
}

export function checkOutbound(text: string): GuardVerdict {
  const plain = normalise(text);
  const redacted = redactSecrets(plain);
  const findings: GuardFinding[] = [];
  for (const { rule, pattern } of RULES) {
    for (const match of redacted.matchAll(pattern)) findings.push({ rule, excerpt: excerpt(redacted, match.index, match[0].length) });
  }
  if (redacted !== plain || redactSecrets(text) !== text) findings.push({ rule: 'secret', excerpt: 'a credential-like value (not shown)' });
  return { allowed: findings.length === 0, findings };
}

/** Human-readable reasons, e.g. for the failure message and the alert. */
export function describeFindings(verdict: GuardVerdict): string {
  return verdict.findings.map((f) => `${f.rule} ("${f.excerpt}")`).join('; ');
}

/** ±20 characters around a match of text that is already redacted whole: a cut can never expose part of a secret. */
function excerpt(redacted: string, index: number, length: number): string {
  const start = Math.max(0, index - 20);
  const end = Math.min(redacted.length, index + length + 20);
  return `${start > 0 ? '…' : ''}${redacted.slice(start, end).replace(/\s+/g, ' ').trim()}${end < redacted.length ? '…' : ''}`;
}
