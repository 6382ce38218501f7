import { describe, expect, it } from 'vitest';
import { validateInferencePayload } from '../common/contract';

const valid = {
  agent_id: 'grants-agent',
  calling_skill: 'grant-deadline-watch',
  model: 'local/qwen-14b',
  priority: 'high',
  system_prompt: 'You are terse.',
  user_prompt: 'List the grants due this week.',
  max_tokens: 256,
  callback: 'none',
  lane: 'prod',
};
const experimental = { ...valid, lane: 'experimental', priority: 'normal', experiment_tag: 'exp-qwen3-digest', success_criteria: 'digest under 120 words' };

type Case = [name: string, payload: unknown, field: string, allowedHint?: RegExp];
const without = (key: string, base: Record<string, unknown> = valid) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));

// Each bad payload: which field the refusal must name, and (where useful) what it must say is allowed.
const BAD: Case[] = [
  ['not an object', 'hello', 'payload', /JSON object/],
  ['array', [valid], 'payload', /JSON object/],
  ['null', null, 'payload', /JSON object/],
  ['missing agent_id', without('agent_id'), 'agent_id', /required/],
  ['empty agent_id', { ...valid, agent_id: '' }, 'agent_id'],
  ['agent_id with spaces', { ...valid, agent_id: 'grants agent' }, 'agent_id', /allowed/],
  ['agent_id not string', { ...valid, agent_id: 42 }, 'agent_id'],
  ['missing calling_skill', without('calling_skill'), 'calling_skill', /required/],
  ['calling_skill too long', { ...valid, calling_skill: 'x'.repeat(200) }, 'calling_skill', /128/],
  ['missing model', without('model'), 'model', /required/],
  ['model upper-case junk', { ...valid, model: 'Local/QWEN 14B' }, 'model', /alias/],
  ['model empty', { ...valid, model: '' }, 'model'],
  ['missing priority', without('priority'), 'priority', /required/],
  ['priority unknown', { ...valid, priority: 'critical' }, 'priority', /urgent, high, normal, low/],
  ['prod with normal', { ...valid, priority: 'normal' }, 'priority', /allowed: urgent, high/],
  ['prod with low', { ...valid, priority: 'low' }, 'priority', /allowed: urgent, high/],
  ['experimental with urgent', { ...experimental, priority: 'urgent' }, 'priority', /promotion/],
  ['experimental with high', { ...experimental, priority: 'high' }, 'priority', /allowed: normal, low/],
  ['missing system_prompt', without('system_prompt'), 'system_prompt', /required/],
  ['missing user_prompt', without('user_prompt'), 'user_prompt', /required/],
  ['blank user_prompt', { ...valid, user_prompt: '   ' }, 'user_prompt', /empty/],
  ['huge user_prompt', { ...valid, user_prompt: 'a'.repeat(70_000) }, 'user_prompt', /64000/],
  ['missing max_tokens', without('max_tokens'), 'max_tokens', /required/],
  ['max_tokens zero', { ...valid, max_tokens: 0 }, 'max_tokens', /1 to 8192/],
  ['max_tokens too big', { ...valid, max_tokens: 100_000 }, 'max_tokens', /1 to 8192/],
  ['max_tokens fractional', { ...valid, max_tokens: 12.5 }, 'max_tokens', /whole number/],
  ['max_tokens as string', { ...valid, max_tokens: '256' }, 'max_tokens'],
  ['missing callback', without('callback'), 'callback', /required/],
  ['callback ftp', { ...valid, callback: 'ftp://example.org/x' }, 'callback', /signal:/],
  ['callback signal without name', { ...valid, callback: 'signal:wf-1' }, 'callback', /signal:<workflowId>\/<signalName>/],
  ['callback with credentials', { ...valid, callback: 'https://ops:s3cr3t-PASS@hooks.example.org/civicos' }, 'callback', /^callback: must not carry credentials(?![^]*s3cr3t)/],
  ['callback with a user only', { ...valid, callback: 'http://token@hooks.example.org/x' }, 'callback', /must not carry credentials/],
  ['callback signal not declared', { ...valid, callback: 'signal:wf-1/cancelEverything' }, 'callback', /cancelEverything is not a declared callback signal; use one of: inferenceDone/],
  ['missing lane', without('lane'), 'lane', /lane tagging/],
  ['lane unknown', { ...valid, lane: 'staging' }, 'lane', /prod, experimental/],
  ['experimental without tag', without('experiment_tag', experimental), 'experiment_tag', /required in lane experimental/],
  ['experimental without criteria', without('success_criteria', experimental), 'success_criteria', /required in lane experimental/],
  ['experiment_tag bad chars', { ...experimental, experiment_tag: 'Exp Tag!' }, 'experiment_tag', /allowed/],
  ['task_class bad', { ...valid, task_class: 'Premium Stuff' }, 'task_class', /allowed/],
  ['idempotency_key too short', { ...valid, idempotency_key: 'ab' }, 'idempotency_key', /4-200/],
  ['temperature too high', { ...valid, temperature: 3 }, 'temperature', /0 to 2/],
  ['format unknown', { ...valid, format: 'yaml' }, 'format', /text, json/],
  ['unknown field (camelCase)', { ...valid, agentId: 'x' }, 'agentId', /unknown field/],
  ['promotion in prod', { ...valid, promotion: { approved_by: 'dana', reason: 'launch' } }, 'promotion', /experimental/],
  ['promotion without approver', { ...experimental, priority: 'high', promotion: { reason: 'launch' } }, 'promotion.approved_by'],
];

describe('queue contract validation', () => {
  it('has at least 30 bad payloads in the table', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BAD)('refuses %s, naming the field', (_name, payload, field, hint) => {
    const result = validateInferencePayload(payload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.problems.find((p) => p.startsWith(`${field}:`));
    expect(problem, `problems were: ${result.problems.join(' | ')}`).toBeDefined();
    if (hint) expect(problem).toMatch(hint);
  });

  it.each([
    ['prod urgent', { ...valid, priority: 'urgent' }],
    ['prod high with signal callback', { ...valid, callback: 'signal:digest-2026-11-24/inferenceDone' }],
    ['webhook callback', { ...valid, callback: 'https://hooks.example.org/civicos?x=1' }],
    ['experimental low', { ...experimental, priority: 'low' }],
    ['experimental promoted to high', { ...experimental, priority: 'high', promotion: { approved_by: 'dana', reason: 'board deadline' } }],
    ['concrete model', { ...valid, model: 'qwen3:14b', format: 'json', temperature: 0.2, idempotency_key: 'digest:2026-11-24' }],
  ])('accepts %s', (_name, payload) => {
    const result = validateInferencePayload(payload);
    expect(result.ok ? 'ok' : result.problems.join('; ')).toBe('ok');
  });

  it('fills defaults for task_class and format', () => {
    const result = validateInferencePayload(valid);
    expect(result.ok && result.value.task_class).toBe('general');
    expect(result.ok && result.value.format).toBe('text');
  });
});
