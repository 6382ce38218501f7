import { describe, expect, it } from 'vitest';
import { redactSecrets, redactSecretsTryingEveryRule } from '../common/redact';
import { SECRET_PATTERNS } from '../common/secret-rules';
import { secretSamples, secretVariants } from './support/secret-samples';
import { seededRandom } from './support/seeded-random';

/**
 * The redactor skips a rule whose `needs` the text lacks. That is only safe when every match of the
 * rule contains its `needs`: then skipping changes nothing. Checked here against the engine that
 * tries every rule on every text, over every secret sample and variant and 20,000 texts built from
 * their pieces (near misses, encodings, neighbours), seeded so a failure reproduces.
 */


const samples = [...secretSamples(), ...secretVariants()];
const SEPARATORS = [' ', '', '=', ': ', ':', '"', "'", '{', ',', '_', '-', '.', '/', '%2F', '\\/', '@', '://', '\n', '?', '&', ';', '\\u002F', '%252F'];
const WORDS = [
  'password', 'Password', 'api_key', 'apiKey', 'x-api-key', 'token', 'refresh_token', 'client_secret', 'secret', 'credentials', 'passphrase', 'pwd',
  'Authorization', 'authorization', 'Bearer', 'bearer', 'Basic', 'AccountKey=', 'sig=', 'aws_secret_access_key', 'AWS_SECRET_KEY', 'https', 'postgres', 'db.example.org',
  'BEGIN', 'PRIVATE KEY', '-----', 'eyJ', 'sk', 'sk-', 'sk-ant-', 'ghp_', 'github_pat_', 'glpat-', 'xoxb-', 'xapp-', 'AIza', 'GOCSPX-', 'sk_live_', 'rk_test_', 'whsec_',
  'SK', 'SG.', 'key-', 'npm_', 'pypi-AgE', 'hf_', ':AA', 'shpat_', 'dop_v1_', 'dapi', 'sq0atp-', 'gsk_', 'r8_', 'lin_api_', 'secret_', 'ntn_', 'AGE-SECRET-KEY-1',
  'hooks.slack.com/services/', 'discord.com/api/webhooks/', 'the board meets Tuesday', 'basic understanding', 'token: roughly', 'key findings', 'passed',
];
const ALPHABETS = ['ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 'abcdefghijklmnopqrstuvwxyz0123456789', 'ABCDEFabcdef0123456789', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-', '0123456789'];

function piece(next: () => number): string {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const sample = pick(samples);
  switch (Math.floor(next() * 9)) {
    case 0:
      return sample.line;
    case 1:
      return sample.value;
    case 2: {
      // A near miss: the secret cut short, or with a piece missing from its start.
      const cut = Math.floor(next() * sample.value.length);
      return next() < 0.5 ? sample.value.slice(0, cut) : sample.value.slice(cut);
    }
    case 3:
      return encodeURIComponent(next() < 0.5 ? sample.line : encodeURIComponent(sample.line));
    case 4:
      return JSON.stringify({ [pick(WORDS)]: next() < 0.5 ? sample.value : sample.line }).replaceAll('/', next() < 0.5 ? '\\/' : '/');
    case 5: {
      const alphabet = pick(ALPHABETS);
      return Array.from({ length: 4 + Math.floor(next() * 70) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    }
    case 6:
      return pick(WORDS);
    case 7:
      return pick(SEPARATORS);
    default:
      return sample.line.toUpperCase();
  }
}

describe('redaction prefilter: a rule is skipped only where it cannot match', () => {
  it('every rule\'s needs is a plain test (no g or y flag: test() must not move a lastIndex)', () => {
    expect(SECRET_PATTERNS.length).toBeGreaterThan(30);
    for (const rule of SECRET_PATTERNS) expect(rule.needs.flags.replace('i', ''), rule.kind).toBe('');
  });

  it('redacts every secret sample and variant exactly as the engine trying every rule does, alone and in pairs', () => {
    for (const a of samples) {
      expect(redactSecrets(a.line), a.format).toBe(redactSecretsTryingEveryRule(a.line));
      expect(redactSecrets(a.line), a.format).not.toBe(a.line);
      for (const b of samples) {
        const text = `${a.line} ${b.value}`;
        expect(redactSecrets(text), `${a.format} + ${b.format}`).toBe(redactSecretsTryingEveryRule(text));
      }
    }
  });

  it('20,000 texts built from pieces of secrets, key words and separators: the same output', () => {
    const next = seededRandom(0x5eed);
    let redactedSome = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 1 + Math.floor(next() * 6) }, () => piece(next)).join(SEPARATORS[Math.floor(next() * SEPARATORS.length)]!);
      const expected = redactSecretsTryingEveryRule(text);
      expect(redactSecrets(text), JSON.stringify(text)).toBe(expected);
      if (expected !== text) redactedSome += 1;
    }
    // The texts exercise the rules: many hold a secret, many do not.
    expect(redactedSome).toBeGreaterThan(5_000);
    expect(redactedSome).toBeLessThan(19_000);
  });
});
