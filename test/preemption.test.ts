import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingStore } from '../stores/routing-store';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import type { RoutingMatrixInput } from '../common/routing-matrix';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startOpenAISimulator, type OpenAISimulator } from '../deploy/dev/openai-simulator';
import { describeLaneStats } from '../platform/lane-admin';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

const CLOUD_KEY = 'sk-test-civicos-preempt-key-0123456789abcdef';
const PROD_MODEL = 'qwen3:14b';
const EXP_MODEL = 'qwen2.5:14b';
const prod = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  agent_id: 'preempt-test',
  calling_skill: 'preempt',
  model: 'local/qwen-14b',
  priority: 'urgent',
  lane: 'prod',
  task_class: 'summary',
  system_prompt: '',
  user_prompt: `prod ${uniqueId('p')}`,
  max_tokens: 30,
  callback: 'none',
  ...overrides,
});
const experimental = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  ...prod(),
  model: 'local/qwen2.5-14b',
  priority: 'normal',
  lane: 'experimental',
  experiment_tag: 'exp-preempt',
  success_criteria: 'survives pre-emption',
  user_prompt: `exp ${uniqueId('e')}`,
  ...overrides,
});

let cloud: OpenAISimulator;
beforeAll(async () => {
  process.env.CIVICOS_CLOUD_KEY_TEST_PREEMPT = CLOUD_KEY;
  cloud = await startOpenAISimulator({ apiKey: CLOUD_KEY });
});
afterAll(async () => {
  await cloud?.close();
});

/** The standard matrix with a reachable, keyed cloud, so a request that reached cloud would be served (and counted) there. */
function matrix(edit: (m: RoutingMatrixInput) => void = () => undefined): RoutingMatrixInput {
  const m = JSON.parse(JSON.stringify(DEFAULT_ROUTING_MATRIX)) as RoutingMatrixInput;
  m.providers['cloud-openai']!.baseUrl = cloud.url;
  m.providers['cloud-openai']!.apiKeyEnv = 'CIVICOS_CLOUD_KEY_TEST_PREEMPT';
  edit(m);
  return m;
}

describe('pre-emption end to end (2-slot host, 1 reserved for prod)', () => {
  let temporal: TestTemporal;
  let sim: OllamaSimulator;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-preemption' });
    sim = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 20, ttftMs: 0 });
    platform = await startPlatform(temporal, [{ name: 'preempt-host', url: sim.url, slots: 2, simulated: true, reservedForProd: 1 }]);
    new RoutingStore(platform.env.dataDir).set(matrix(), 'test');
  });
  afterAll(async () => {
    await platform?.stop();
    await sim?.close();
    await temporal?.close();
  });

  it('pre-empted six times, an experimental request spends no retry attempt, never fails its local route, never reaches cloud', async () => {
    const cloudBefore = cloud.requests.length;
    const exp = await submitInference(temporal.client, experimental({ max_tokens: 400 }));
    const deferred = async (): Promise<number> => (await platform.ledger.read()).filter((r) => r.workflowId === exp.workflowId && r.outcome === 'deferred').length;
    // More pre-emptions than the retry policy's 5 attempts: before the fix the sixth meant a failed local route and cloud.
    for (let round = 1; round <= 6; round++) {
      await eventually(() => sim.records.some((r) => r.model === EXP_MODEL && r.startedAt !== null && r.endedAt === null), { what: `experimental call running (round ${round})`, timeoutMs: 30_000 });
      const pair = await Promise.all([submitInference(temporal.client, prod()), submitInference(temporal.client, prod())]);
      await Promise.all(pair.map((p) => p.handle.result()));
      await eventually(async () => (await deferred()) >= round, { what: `pre-emption ${round} recorded` });
    }
    sim.setOptions({ tokensPerSecond: 0 });
    const result = await exp.handle.result();
    expect(result.attempts).toBe(1);
    expect(result.fallbacks).toEqual([]);
    expect(result.host).toBe('preempt-host');
    expect(cloud.requests.length - cloudBefore).toBe(0);
    const lines = (await platform.ledger.read()).filter((r) => r.workflowId === exp.workflowId);
    expect(lines.filter((r) => r.outcome === 'deferred').length).toBeGreaterThanOrEqual(6);
    expect(lines.filter((r) => r.outcome === 'deferred').every((r) => r.errorType === 'PreemptedForProd' && r.attempt === 1)).toBe(true);
    expect(lines.filter((r) => r.outcome === 'error')).toEqual([]);
    expect(lines.filter((r) => r.outcome === 'ok')).toHaveLength(1);
  }, 180_000);
});

describe('a freshly started inference worker', () => {
  let temporal: TestTemporal;
  let sim: OllamaSimulator;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let inference: Awaited<ReturnType<typeof startPlatform>> | undefined;
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-fresh-worker' });
    sim = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 40, ttftMs: 0 });
    // Workflows only: no inference worker yet, so the lanes back up.
    platform = await startPlatform(temporal, []);
    // The coder alias routes to qwen3:14b here, unlike the default alias table.
    new RoutingStore(platform.env.dataDir).set(matrix((m) => (m.aliases['local/qwen-coder-32b']!.model = PROD_MODEL)), 'test');
  });
  afterAll(async () => {
    await inference?.workers.shutdown();
    await platform?.stop();
    await sim?.close();
    await temporal?.close();
  });

  it("records an expiry with the route's model, not the default alias's", async () => {
    const { handle, workflowId } = await submitInference(temporal.client, experimental({ model: 'local/qwen-coder-32b', ttl_seconds: 1 }));
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'QueueTtlExpired' } });
    const record = (await platform.ledger.read()).find((r) => r.workflowId === workflowId);
    expect(record).toMatchObject({ outcome: 'expired', model: PROD_MODEL, requestedModel: 'local/qwen-coder-32b' });
  });

  it('takes no experimental work while the prod backlog is old', async () => {
    const prods = await Promise.all(Array.from({ length: 6 }, () => submitInference(temporal.client, prod({ priority: 'high' }))));
    const exps = await Promise.all(Array.from({ length: 3 }, () => submitInference(temporal.client, experimental({ max_tokens: 30 }))));
    await eventually(async () => {
      const stats = await describeLaneStats(temporal.native, temporal.namespace, 'prod');
      return stats.backlog >= 6 && stats.oldestWaitingMs > 2_500;
    }, { what: 'a prod backlog older than the deferral threshold' });
    sim.resetStats();
    inference = await startPlatform(temporal, [{ name: 'fresh-host', url: sim.url, slots: 2, simulated: true, reservedForProd: 1 }], { workflows: false, dataDir: platform.env.dataDir });
    await Promise.all([...prods, ...exps].map((s) => s.handle.result()));
    const order = sim.records.filter((r) => r.startedAt !== null).sort((a, b) => a.startedAt! - b.startedAt!).map((r) => r.model);
    expect(order.filter((m) => m === PROD_MODEL)).toHaveLength(6);
    // Every prod call started before the first experimental one.
    expect(order.lastIndexOf(PROD_MODEL)).toBeLessThan(order.indexOf(EXP_MODEL));
  }, 120_000);
});
