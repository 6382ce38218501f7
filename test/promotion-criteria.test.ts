import { describe, expect, it } from 'vitest';
import { selectTasks, validateBattery } from '../common/promotion/battery';
import { runChecks } from '../common/promotion/checks';
import { evaluateCriteria, signTestP, summariseTask, type RunSample } from '../common/promotion/criteria';
import { checkGateRequest, parseCandidate } from '../common/promotion/gate';
import { validateRoutingMatrix } from '../common/routing-matrix';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { startOllamaSimulator } from '../deploy/dev/ollama-simulator';
import { modelFamily, parseJudgeScores, rubricScore } from '../common/promotion/judge';
import { BATTERY_V1 } from '../config/battery/v1';
import { answer, testBattery } from './support/promotion-scripts';

const task = (id: string) => testBattery.tasks.find((t) => t.id === id)!;
const sample = (run: number, over: Partial<RunSample> = {}): RunSample => ({
  run,
  completed: true,
  text: 'x',
  latencyMs: 1000,
  queueWaitMs: 0,
  promptTokens: 100,
  outputTokens: 50,
  tokensPerSecond: 50,
  costUsd: 0,
  checks: { score: 1, hardFailures: [], failed: [] },
  ...over,
});

describe('battery v1', () => {
  it('ships 12 tasks over the four categories, each with checks and weighted rubric criteria', () => {
    expect(testBattery.tasks).toHaveLength(12);
    expect(new Set(testBattery.tasks.map((t) => t.category)).size).toBe(4);
    for (const t of testBattery.tasks) {
      expect(t.rubric.length).toBeGreaterThan(0);
      if (t.format === 'json') expect(t.checks.jsonSchema).toBeDefined();
    }
  });

  it('refuses a battery under 10 tasks or missing a category, naming the field', () => {
    const small = validateBattery({ ...BATTERY_V1, tasks: BATTERY_V1.tasks.slice(0, 9) });
    expect(small.ok).toBe(false);
    expect(!small.ok && small.problems.join('\n')).toMatch(/tasks: the standard asks for at least 10 tasks/);
    const noOps = validateBattery({ ...BATTERY_V1, tasks: [...BATTERY_V1.tasks, ...BATTERY_V1.tasks.map((t) => ({ ...t, id: `${t.id}-2` }))].filter((t) => t.category !== 'workflow-specific') });
    expect(!noOps.ok && noOps.problems.join('\n')).toMatch(/no task of category workflow-specific/);
  });

  it('a reduced battery still spans the categories (round-robin)', () => {
    expect(selectTasks(testBattery, 4).map((t) => t.category)).toEqual(['short-response', 'medium-synthesis', 'long-planning', 'workflow-specific']);
  });
});

describe('deterministic checks', () => {
  it('scores facts, length and JSON shape; a broken JSON shape is a hard failure', () => {
    const json = task('grants-summary-json');
    expect(runChecks(json, answer(json, 'strong'))).toMatchObject({ score: 1, hardFailures: [] });
    expect(runChecks(json, '{"summary": "x", "items": "not an array"}').hardFailures).toEqual(['JSON shape ("items" should be array, got string)']);
    expect(runChecks(json, 'not json').hardFailures).toEqual(['JSON shape (not valid JSON)']);
    const text = task('medium-donor-synthesis');
    const weak = runChecks(text, answer(text, 'weak'));
    expect(weak.hardFailures).toEqual([]);
    expect(weak.failed).toEqual(['fact "42"', 'fact "18,300"', 'fact "Chen Family Trust"']);
  });
});

describe('judge parsing', () => {
  const t = task('short-deadline-answer');
  it('uses the per-criterion scores and ignores the judge\'s verdict', () => {
    const parsed = parseJudgeScores(t, JSON.stringify({ A: { accuracy: 5, clarity: 5 }, B: { accuracy: 1, clarity: 1 }, winner: 'B' }));
    expect(parsed).toEqual({ ok: true, a: { accuracy: 5, clarity: 5 }, b: { accuracy: 1, clarity: 1 } });
    // accuracy weighs 3, clarity 1: (3*1 + 1*0) / 4
    expect(rubricScore(t, { accuracy: 5, clarity: 1 })).toBe(0.75);
  });
  it('refuses a reply without every score from 1 to 5', () => {
    expect(parseJudgeScores(t, 'A is better')).toEqual({ ok: false, reason: 'the judge did not reply with JSON: "A is better"' });
    const outOfRange = parseJudgeScores(t, '{"A": {"accuracy": 9, "clarity": 3}, "B": {"accuracy": 1, "clarity": 1}}');
    expect(!outOfRange.ok && outOfRange.reason).toMatch(/^answer A: "accuracy" is not a score from 1 to 5; the judge replied /);
  });
  it('names model families for the same-family warning', () => {
    expect([modelFamily('qwen3:14b'), modelFamily('qwen2.5-coder:32b'), modelFamily('mistral-small3.2:24b'), modelFamily('gemma3:270m'), modelFamily('gpt-4.1-mini')]).toEqual(['qwen', 'qwen', 'mistral', 'gemma', 'gpt']);
    expect(parseCandidate('ollama-local:gemma3:270m')).toEqual({ provider: 'ollama-local', model: 'gemma3:270m' });
  });
});

describe('the five criteria', () => {
  it('sign test: 9 of 10 wins is p ≈ 0.011, 10 of 12 is 0.019, 4 of 4 is 0.0625', () => {
    expect(signTestP(9, 1)).toBeCloseTo(0.0107, 4);
    expect(signTestP(10, 2)).toBeCloseTo(0.0193, 4);
    expect(signTestP(4, 0)).toBe(0.0625);
    expect(signTestP(0, 0)).toBe(1);
  });

  const tasks = (n: number, cand: Partial<RunSample>, inc: Partial<RunSample> = {}) =>
    Array.from({ length: n }, (_, i) => summariseTask(`t${i}`, 'short-response', [sample(1, inc)], [sample(1, cand)], [{ run: 1, order: 'incumbent-first', ok: true, incumbentScore: 0.25, candidateScore: 1 }, { run: 1, order: 'candidate-first', ok: true, incumbentScore: 0.25, candidateScore: 1 }]));
  const local = { placement: 'local' as const, pricePer1kInputTokensUsd: 0, pricePer1kOutputTokensUsd: 0, monthlyBudgetUsd: 50, maxRequestsPerDay: 200, requestsPerDay: 200 };

  it('a large quality gain on too few tasks fails the significance guard', () => {
    const [, , quality] = evaluateCriteria(tasks(4, { latencyMs: 500 }), local);
    expect(quality!.pass).toBe(false);
    expect(quality!.shortfall).toBe('not significant: p = 0.0625 > 0.05 (4 wins of 4 decided tasks)');
  });

  it('latency at parity passes only with the quality gain', () => {
    const [, latency, quality] = evaluateCriteria(tasks(10, { latencyMs: 1050 }), local);
    expect(quality!.pass).toBe(true);
    expect(latency!.pass).toBe(true);
    expect(latency!.summary).toContain('parity with a quality gain');
    const slower = evaluateCriteria(tasks(10, { latencyMs: 1300 }), local)[1]!;
    expect(slower.pass).toBe(false);
  });

  it('cost: measured tokens × matrix prices × daily volume against the envelope; quota against the daily limit', () => {
    const cloud = { ...local, placement: 'cloud' as const, pricePer1kInputTokensUsd: 0.4, pricePer1kOutputTokensUsd: 1.6 };
    // (100 × 0.4 + 50 × 1.6) / 1000 = 0.12 USD a request; × 200/day × 30 = 720 USD/month
    const cost = evaluateCriteria(tasks(10, {}), cloud)[3]!;
    expect(cost).toMatchObject({ pass: false, numbers: { costPerRequestUsd: 0.12, projectedMonthlyUsd: 720 } });
    expect(cost.shortfall).toBe('670.00 USD/month over the 50 USD envelope (1340.0 % over)');
    const quota = evaluateCriteria(tasks(10, {}), { ...cloud, pricePer1kInputTokensUsd: 0, pricePer1kOutputTokensUsd: 0, requestsPerDay: 300 })[3]!;
    expect(quota).toMatchObject({ pass: false, shortfall: '100 requests/day over the daily quota' });
  });
});

describe('gate request checks', () => {
  const matrix = validateRoutingMatrix(DEFAULT_ROUTING_MATRIX);
  if (!matrix.ok) throw new Error(matrix.problems.join('; '));
  it('refuses a judge that resolves to the candidate and an unknown alias or provider, naming the field', () => {
    const same = checkGateRequest({ alias: 'local/qwen-14b', candidate: { provider: 'ollama-local', model: 'mistral-small3.2:24b' }, judge: 'local/mistral-small' }, matrix.value);
    expect(!same.ok && same.problems).toEqual(['judge: local/mistral-small resolves to the candidate itself (ollama-local:mistral-small3.2:24b); pick another judge with --judge']);
    const unknown = checkGateRequest({ alias: 'local/nope', candidate: { provider: 'nowhere', model: 'x' }, judge: 'local/mistral-small' }, matrix.value);
    expect(!unknown.ok && unknown.problems.map((p) => p.split(':')[0])).toEqual(['alias', 'candidate']);
  });
  it('warns when the judge is of the candidate\'s family, and builds the three routes', () => {
    const checked = checkGateRequest({ alias: 'local/qwen-14b', candidate: { provider: 'ollama-local', model: 'mistral-nemo:12b' }, judge: 'local/mistral-small' }, matrix.value);
    expect(checked.ok && checked.warnings).toEqual(["the judge mistral-small3.2:24b is of the candidate's model family (mistral): judges favour their own family"]);
    expect(checked.ok && checked.sides).toEqual({
      incumbent: { alias: 'local/qwen-14b', provider: 'ollama-local', model: 'qwen3:14b' },
      candidate: { provider: 'ollama-local', model: 'mistral-nemo:12b', placement: 'local' },
      judge: { alias: 'local/mistral-small', provider: 'ollama-local', model: 'mistral-small3.2:24b' },
    });
  });
});

describe('the simulator\'s scripted models', () => {
  it('answer with the script, cut by num_predict; other models keep generated replies', async () => {
    const sim = await startOllamaSimulator({ tokensPerSecond: 0, models: ['scripted:1b', 'qwen3:14b'], scripted: { 'scripted:1b': { reply: (prompt) => `you said: ${prompt}` } } });
    try {
      const chat = async (model: string, numPredict?: number) =>
        (await (await fetch(`${sim.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content: 'one two three' }], options: numPredict ? { num_predict: numPredict } : {} }) })).json()) as { message: { content: string }; done_reason: string; eval_count: number };
      expect(await chat('scripted:1b')).toMatchObject({ message: { content: 'you said: one two three' }, done_reason: 'stop', eval_count: 5 });
      expect(await chat('scripted:1b', 2)).toMatchObject({ message: { content: 'you said:' }, done_reason: 'length', eval_count: 2 });
      expect((await chat('qwen3:14b')).message.content).not.toContain('you said');
    } finally {
      await sim.close();
    }
  });
});
