import { describe, expect, it } from 'vitest';
import { validateInferencePayload } from '../common/contract';
import { inferencePayload } from './support/fixtures';
import { oracleValidate } from './support/payload-oracle';
import { seededRandom } from './support/seeded-random';

/**
 * The queue contract's validator is plain code (the workflow runs it for every request and must not
 * load a schema library): it must accept exactly what the zod schema it replaced accepts, build the
 * same value, and report the same problems in the same order. Thousands of payloads, each a valid
 * one with a few fields broken from a pool of awkward values, seeded so a failure reproduces.
 */
const prod = inferencePayload({ agent_id: 'grants-agent', calling_skill: 'grant-deadline-watch', system_prompt: 'You are terse.', user_prompt: 'List the grants due this week.', max_tokens: 256 });
const experimental = { ...prod, lane: 'experimental', priority: 'normal', experiment_tag: 'exp-qwen3-digest', success_criteria: 'digest under 120 words', ttl_seconds: 600 };

const SECRET = `sk-proj-${'a1B2c3D4e5'.repeat(3)}`;
const ANY: unknown[] = [undefined, null, true, 0, -1, 1, 1.5, 2, 3, 256, 8192, 8193, 86_400, 86_401, 2 ** 53, 1e20, -1e20, NaN, Infinity, -Infinity, '', ' ', '  x  ', 'x', 'ab', 'abcd', 'A', 'a b', 'Ab', [], ['x'], {}, { a: 1 }, SECRET];
const STRINGS: unknown[] = [
  'x'.repeat(128), 'x'.repeat(129), 'x'.repeat(200), 'x'.repeat(201), 'x'.repeat(2000), ` ${'x'.repeat(2000)} `, 'x'.repeat(2001), 'a'.repeat(64_000), 'a'.repeat(64_001),
  'grants-agent', 'grants agent', '-lead', 'ops.monitor:v2', 'exp-1', 'e', 'Exp', 'premium_synthesis', 'Premium', 'digest:2026-11-24', 'dana', 'dana@civicos.example', ' dana ', '@dana', `x-${SECRET}`,
];
const PER_FIELD: Record<string, unknown[]> = {
  model: ['qwen3:14b', 'local/qwen-14b', 'cloud/gpt-x', 'pilot/grants', 'Local/QWEN 14B', 'local/', 'ollama/x', 'qwen3:14B', 'x'.repeat(201), 'gemma3:270m'],
  priority: ['urgent', 'high', 'normal', 'low', 'critical', 'HIGH'],
  lane: ['prod', 'experimental', 'staging', 'Prod'],
  callback: ['none', 'None', 'signal:wf-1/inferenceDone', 'signal:wf-1/cancelEverything', 'signal:wf-1', 'signal: wf/inferenceDone', 'https://hooks.example.org/x?y=1', 'http://token@hooks.example.org/x', 'https://u:p@h.example.org/', 'ftp://example.org/x', 'https://', 'http://exa mple.org'],
  format: ['text', 'json', 'yaml', 'JSON'],
  temperature: [0, 0.2, 2, 2.01, -0.1],
  director_request: [{ requested_by: 'dana', reason: 'board deadline' }, { requested_by: ' dana ', reason: ' why ' }, { requested_by: '', reason: '' }, { reason: 'x' }, { requested_by: 'dana' }, { requested_by: 'dana', reason: 'x', extra: 1 }, { requested_by: 5, reason: null }, { requested_by: SECRET, reason: 'r' }, 'dana', [], null],
  promotion: [{ approved_by: 'dana', reason: 'launch' }, { approved_by: ' dana ', reason: ' launch ' }, { approved_by: 'dana', reason: '   ' }, { approved_by: '  ', reason: 'x' }, { reason: 'launch' }, { approved_by: 'dana', reason: 'x', by: 'me' }, { approved_by: 1, reason: 2 }, true, null],
};
const FIELDS = ['agent_id', 'calling_skill', 'model', 'priority', 'system_prompt', 'user_prompt', 'max_tokens', 'callback', 'lane', 'experiment_tag', 'success_criteria', 'task_class', 'idempotency_key', 'temperature', 'format', 'ttl_seconds', 'director_request', 'promotion'];
const UNKNOWN = ['agentId', 'extra', 'Lane', '0', 'constructor', 'user prompt'];


function payloads(count: number, seed: number): unknown[] {
  const next = seededRandom(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const payload: Record<string, unknown> = { ...(next() < 0.5 ? prod : experimental) };
    const breaks = Math.floor(next() * 4);
    for (let b = 0; b < breaks; b++) {
      const field = pick(FIELDS);
      const roll = next();
      if (roll < 0.15) delete payload[field];
      else if (roll < 0.2) payload[pick(UNKNOWN)] = pick(ANY);
      else if (roll < 0.55 && PER_FIELD[field]) payload[field] = pick(PER_FIELD[field]!);
      else if (roll < 0.75) payload[field] = pick(STRINGS);
      else payload[field] = pick(ANY);
    }
    out.push(payload);
  }
  return out;
}

/** Compares two results; `undefined`-valued keys count as absent (JSON drops them on the way to Temporal). */
function verdict(result: { ok: boolean; value?: unknown; problems?: string[] }): unknown {
  return result.ok ? { ok: true, value: JSON.parse(JSON.stringify(result.value)) } : { ok: false, problems: result.problems };
}

describe('the contract validator against the zod schema it replaced', () => {
  it.each([
    ['not an object', 'hello'],
    ['an array', [prod]],
    ['null', null],
    ['a number', 42],
    ['an empty object', {}],
    ['a Date', new Date(0)],
    ['an object without a prototype', Object.assign(Object.create(null), prod)],
    ['prod', prod],
    ['experimental', experimental],
    ['experimental promoted', { ...experimental, priority: 'urgent', promotion: { approved_by: 'dana', reason: 'board deadline' } }],
    ['a key given as undefined', { ...prod, temperature: undefined, task_class: undefined }],
  ])('agrees on %s', (_name, payload) => {
    expect(verdict(validateInferencePayload(payload))).toEqual(verdict(oracleValidate(payload)));
  });

  it('agrees on 20,000 generated payloads, valid and broken', () => {
    let accepted = 0;
    const all = payloads(20_000, 20261128);
    for (const payload of all) {
      const mine = verdict(validateInferencePayload(payload));
      const theirs = verdict(oracleValidate(payload));
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) expect({ payload, mine }).toEqual({ payload, mine: theirs });
      if ((mine as { ok: boolean }).ok) accepted += 1;
    }
    // The generator must exercise both verdicts, or the comparison proves little.
    expect(accepted).toBeGreaterThan(2_000);
    expect(all.length - accepted).toBeGreaterThan(10_000);
  });
});
