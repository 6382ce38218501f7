import { describe, expect, it } from 'vitest';
import { checkOutbound } from '../common/outbound-guard';
import { DISCLOSURES, ORDINARY } from './support/outbound-samples';
import { secretSamples } from './support/secret-samples';

describe('outbound guard', () => {
  it.each([
    ['cve_reference', 'Our site was affected by CVE-2026-12345; it is patched now.'],
    ['cve_reference', 'Patched cve 2024 12345 on Friday.'],
    ['cve_reference', 'Patched cve-2024-12345 on Friday.'],
    ['cve_reference', 'Patched CVE\u20112024\u201112345 (non-breaking hyphens) on Friday.'],
    ['cve_reference', 'Patched CVE\u2013 2024\u201412345 (dashes) on Friday.'],
    ['cve_reference', 'Patched C\u200BVE-2024-12345 (a zero-width space inside) on Friday.'],
    ['exploit_detail', 'We fixed the SQL injection in the donation search.'],
    ['bypass_instruction', 'An attacker could bypass the login with a crafted cookie.'],
    ['exploit_detail', 'A proof of concept showed remote code execution on the events server.'],
    ['exploit_detail', 'The XSS in the comment form is closed.'],
    ['exploit_detail', 'An SSRF in the image fetcher reached the metadata service.'],
    ['exploit_detail', 'The IDOR on the receipts page is fixed.'],
    ['exploit_detail', 'A path traversal bug exposed configuration files.'],
    ['exploit_detail', 'The login page had an open redirect.'],
    ['exploit_detail', 'Unrestricted file upload allowed a web shell.'],
    ['default_credentials', 'The router still had admin/admin as its login.'],
    ['exposed_endpoint', 'We found an open S3 bucket with volunteer addresses.'],
    ['exposed_endpoint', 'The exposed admin panel is now behind the VPN.'],
    ['exposed_endpoint', 'Our .git directory was exposed on the website.'],
    ['bypass_instruction', 'Changing the donor id in the URL showed another donor\u2019s gifts.'],
    ['exploit_payload', 'The download link accepted ../../etc/passwd.'],
    ['security_finding', 'The penetration test findings list three issues.'],
    ['security_finding', 'A vulnerability in the newsletter plugin exposed subscriber data.'],
    ['security_finding', 'The backup bucket was misconfigured and is now private.'],
    ['default_credentials', 'Staff accounts still used default passwords.'],
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

  it('redacts the whole text before it cuts an excerpt: no first characters of a secret survive the cut', () => {
    const key = secretSamples()[0]!.value; // sk-proj-…
    // The excerpt window (20 characters after the match) ends inside the key.
    const verdict = checkOutbound(`We fixed the SQL injection. Key: ${key}`);
    expect(verdict.allowed).toBe(false);
    const text = JSON.stringify(verdict);
    expect(text).not.toContain(key.slice(0, 10));
    expect(text).toContain('[REDACTED');
  });

  it(`detects ≥ 95% of ${DISCLOSURES.length} disclosures with ≤ 5% false alarms on ${ORDINARY.length} ordinary messages`, () => {
    const missed = DISCLOSURES.filter((text) => checkOutbound(text).allowed);
    const falseAlarms = ORDINARY.filter((text) => !checkOutbound(text).allowed);
    const detection = (DISCLOSURES.length - missed.length) / DISCLOSURES.length;
    const falseAlarmRate = falseAlarms.length / ORDINARY.length;
    console.log(
      `[outbound guard] detection ${DISCLOSURES.length - missed.length}/${DISCLOSURES.length} = ${(detection * 100).toFixed(1)}%; ` +
        `false alarms ${falseAlarms.length}/${ORDINARY.length} = ${(falseAlarmRate * 100).toFixed(1)}%`,
    );
    expect(DISCLOSURES.length).toBeGreaterThanOrEqual(40);
    expect(ORDINARY.length).toBeGreaterThanOrEqual(40);
    expect(detection, `missed: ${missed.join(' | ')}`).toBeGreaterThanOrEqual(0.95);
    expect(falseAlarmRate, `false alarms: ${falseAlarms.join(' | ')}`).toBeLessThanOrEqual(0.05);
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
