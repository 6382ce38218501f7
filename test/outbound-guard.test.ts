import { describe, expect, it } from 'vitest';
import { checkOutbound } from '../common/outbound-guard';
import { secretSamples } from './support/secret-samples';

describe('outbound guard', () => {
  it.each([
    ['cve_reference', 'Our site was affected by CVE-2026-12345; it is patched now.'],
    ['exploit_detail', 'We fixed the SQL injection in the donation search.'],
    ['exploit_detail', 'An attacker could bypass the login with a crafted cookie.'],
    ['exploit_detail', 'A proof of concept showed remote code execution on the events server.'],
    ['exploit_detail', 'The XSS in the comment form is closed.'],
    ['security_finding', 'The penetration test findings list three issues.'],
    ['security_finding', 'A vulnerability in the newsletter plugin exposed subscriber data.'],
    ['security_finding', 'The backup bucket was misconfigured and is now private.'],
    ['security_finding', 'Staff accounts still used default passwords.'],
    ['internal_path', 'Log in at https://civicos.example/wp-admin to see the report.'],
    ['internal_path', 'The /debug endpoint returned donor records.'],
    ['internal_address', 'The CRM runs on 10.20.3.14 behind the office router.'],
    ['internal_address', 'See crm.civicos.internal for details.'],
    ['secret', `Use the key ${secretSamples()[0]!.value} for the API.`],
  ])('refuses %s: %s', (rule, text) => {
    const verdict = checkOutbound(text);
    expect(verdict.allowed).toBe(false);
    expect(verdict.findings.map((f) => f.rule)).toContain(rule);
  });

  it('never repeats a secret in its findings', () => {
    const sample = secretSamples()[3]!;
    const verdict = checkOutbound(`exploit with ${sample.line}`);
    expect(JSON.stringify(verdict)).not.toContain(sample.value);
  });

  it.each([
    'Giving Tuesday is on 1 December: the Lindqvist Family Fund matches every gift up to EUR 12,000.',
    'Thank you! 86 volunteers collected 1.2 tonnes of litter along 4 km of riverbank.',
    'Our website was briefly slow on Monday; donations are working normally again.',
    'We keep your data safe and never sell it. Questions? Write to hello@civicos.example.',
    'Join the council meeting on the budget report and the public safety plan.',
  ])('lets ordinary comms through: %s', (text) => {
    expect(checkOutbound(text)).toEqual({ allowed: true, findings: [] });
  });
});
