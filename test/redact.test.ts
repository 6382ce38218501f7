import { describe, expect, it } from 'vitest';
import { validateInferencePayload } from '../common/contract';
import { containsSecret, isSecretKeyName, redactSecrets, redactValue, SECRET_KINDS } from '../common/redact';
import { secretSamples, secretVariants } from './support/secret-samples';

const samples = secretSamples();
const variants = secretVariants();

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

  it.each(variants.map((s) => [s.format, s] as const))('redacts the variant: %s', (_format, sample) => {
    const redacted = redactSecrets(sample.line);
    expect(redacted).not.toContain(sample.value);
    for (const form of [encodeURIComponent(sample.value), encodeURIComponent(encodeURIComponent(sample.value)), sample.value.replaceAll('/', '\\/')]) expect(redacted).not.toContain(form);
    for (let i = 0; i + 12 <= sample.value.length; i += 6) expect(redacted).not.toContain(sample.value.slice(i, i + 12));
    expect(containsSecret(sample.line)).toBe(true);
  });

  it('replaces whatever sits under a secret-named key, nested, in any spelling; counters named like tokens stay', () => {
    const value = {
      user: 'ops',
      password: 'correct horse battery staple',
      db: { apiKey: 'abcdefgh', 'X-Api-Key': 'plainword', nested: [{ client_secret: 'letters' }, { refresh_token: 12345678 }] },
      headers: { Authorization: 'letmein', cookie: 'sid=abc' },
      usage: { max_tokens: 600, promptTokens: 12, tokensPerSecond: 3.5 },
      secret: { deeper: 'hidden words' },
      token: '',
    };
    const out = JSON.stringify(redactValue(value));
    for (const hidden of ['correct horse', 'abcdefgh', 'plainword', 'letters', '12345678', 'letmein', 'sid=abc', 'hidden words']) expect(out).not.toContain(hidden);
    expect(out).toContain('"user":"ops"');
    expect(out).toContain('"usage":{"max_tokens":600,"promptTokens":12,"tokensPerSecond":3.5}');
    expect(out).toContain('"token":""');
  });

  it.each([
    ['password', true],
    ['db.password', true],
    ['apiKey', true],
    ['X-Api-Key', true],
    ['refresh_token', true],
    ['webhookSecret', true],
    ['max_tokens', false],
    ['promptTokens', false],
    ['idempotency_key', false],
    ['secretary', false],
  ] as const)('secret key name %s → %s', (key, secret) => {
    expect(isSecretKeyName(key)).toBe(secret);
  });

  it.each([
    'Use 100%25 of the match: every EUR 1 becomes EUR 2 (see https://civicos.example/give?utm=%2Fspring%2F2026).',
    '{"note":"https:\\/\\/civicos.example\\/donate","max_tokens":600}',
    'The __quarterly__ report and the _draft_ budget are attached.',
    '{"token_budget": "ample", "secret_santa": "Friday"}',
  ])('leaves ordinary encoded or emphasised text alone: %s', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('identifiers that look like secrets are refused at validation', () => {
  const base = {
    agent_id: 'donor-digest',
    calling_skill: 'summarise',
    model: 'local/qwen-14b',
    priority: 'normal',
    system_prompt: '',
    user_prompt: 'hi',
    max_tokens: 10,
    callback: 'none',
    lane: 'experimental',
    experiment_tag: 'exp-1',
    success_criteria: 'answers',
  };
  const ghp = samples.find((s) => s.format === 'github classic token')!.value;
  const akia = samples.find((s) => s.format === 'aws access key id')!.value;
  const openai = samples.find((s) => s.format === 'openai legacy key')!.value;
  it.each([
    ['agent_id', ghp],
    ['calling_skill', `${akia}_bot`],
    ['idempotency_key', `run:${openai}`],
    ['experiment_tag', `x_${openai.toLowerCase()}`.slice(0, 60)],
  ])('%s', (field, value) => {
    const result = validateInferencePayload({ ...base, [field]: value });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.join('\n')).toMatch(new RegExp(`^${field}: looks like a secret`, 'm'));
    expect(problems.join('\n')).not.toContain(value);
  });

  it('accepts ordinary identifiers', () => {
    expect(validateInferencePayload({ ...base, idempotency_key: 'donor-digest:2026-11-28', calling_skill: 'token-budget.check' }).ok).toBe(true);
  });
});
