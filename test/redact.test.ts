import { describe, expect, it } from 'vitest';
import { containsSecret, redactSecrets, redactValue, SECRET_KINDS } from '../common/redact';
import { secretSamples } from './support/secret-samples';

const samples = secretSamples();

describe('secret redaction', () => {
  it('knows more than 20 secret formats', () => {
    expect(samples.length).toBeGreaterThanOrEqual(40);
    expect(SECRET_KINDS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(samples.map((s) => [s.format, s] as const))('redacts %s', (_format, sample) => {
    const redacted = redactSecrets(sample.line);
    expect(redacted).not.toContain(sample.value);
    // No fragment long enough to be useful survives either.
    for (let i = 0; i + 12 <= sample.value.length; i += 6) expect(redacted).not.toContain(sample.value.slice(i, i + 12));
    expect(redacted).toMatch(/\[REDACTED:[a-z_]+\]/);
    expect(containsSecret(sample.line)).toBe(true);
  });

  it('redacts every secret in one text, and deep inside values', () => {
    const text = samples.map((s) => s.line).join('\n');
    const redacted = redactSecrets(text);
    for (const s of samples) expect(redacted).not.toContain(s.value);
    const nested = redactValue({ a: [{ b: { c: samples.map((s) => s.line) } }] });
    for (const s of samples) expect(JSON.stringify(nested)).not.toContain(s.value);
  });

  it('drops what is nested too deep to inspect instead of passing it through', () => {
    let deep: unknown = samples[0]!.line;
    for (let i = 0; i < 20; i += 1) deep = { inner: deep };
    expect(JSON.stringify(redactValue(deep))).not.toContain(samples[0]!.value);
  });

  it.each([
    'Ada Okafor renewed her monthly gift (EUR 40); the Lindqvist Family Fund pledged EUR 12,000.',
    'A basic understanding of council procedures helps; bearer bonds are not accepted.',
    'Each token: roughly four characters. Max tokens 600. The password policy requires rotation.',
    'Deadline 2026-11-28 for workflow donor-digest:2026-11-24 (id 3f2b9c1e-8d7a-4b6f-9e21-0c5d7a1b2e3f).',
    'Contact ada@civicos.example or https://civicos.example/donate?campaign=giving-tuesday-2026.',
    'Run ask-a-question-about-the-budget-report and task-force-summary-2026 notes.',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});
