import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRoutingEvents } from '../stores/routing-events';
import { RoutingStore } from '../stores/routing-store';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import type { RoutingMatrixInput } from '../common/routing-matrix';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startOpenAISimulator, type OpenAISimulator } from '../deploy/dev/openai-simulator';
import { acquireRealOllama, TINY_MODEL, type RealOllama } from '../deploy/ollama/real-ollama';
import { freePort } from '../deploy/temporal/dev-server';
import { startAlertReceiver } from './support/alert-receiver';
import { startPlatform } from './support/platform';
import { startRealOllamaTarget } from './support/real-ollama';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

// The outage length: short by default; CIVICOS_TEST_OUTAGE_S=60 measures the crash test's 60 s outage.
const OUTAGE_S = Number(process.env.CIVICOS_TEST_OUTAGE_S ?? 8);
const CLOUD_KEY = 'sk-test-civicos-outage-key-0123456789abcdef';

// Prod and experimental use different aliases so the host's records tell the lanes apart.
const PROD_MODEL = 'qwen3:14b';
const EXP_MODEL = 'qwen2.5:14b';
const prod = (): InferencePayloadInput => ({
  agent_id: 'outage-test',
  calling_skill: 'outage',
  model: 'local/qwen-14b',
  priority: 'high',
  lane: 'prod',
  task_class: 'summary',
  system_prompt: '',
  user_prompt: `prod ${uniqueId('p')}`,
  max_tokens: 24,
  callback: 'none',
});
const experimental = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  ...prod(),
  model: 'local/qwen2.5-14b',
  priority: 'normal',
  lane: 'experimental',
  experiment_tag: 'exp-outage',
  success_criteria: 'waits out an outage',
  user_prompt: `exp ${uniqueId('e')}`,
  ...overrides,
});

/** The standard matrix with a reachable, keyed cloud: any cloud call would really happen (and be counted). */
function matrixWithCloud(cloud: OpenAISimulator): RoutingMatrixInput {
  const m = JSON.parse(JSON.stringify(DEFAULT_ROUTING_MATRIX)) as RoutingMatrixInput;
  m.providers['cloud-openai']!.baseUrl = cloud.url;
  m.providers['cloud-openai']!.apiKeyEnv = 'CIVICOS_CLOUD_KEY_TEST_OUTAGE';
  return m;
}

let cloud: OpenAISimulator;
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;
beforeAll(async () => {
  process.env.CIVICOS_CLOUD_KEY_TEST_OUTAGE = CLOUD_KEY;
  cloud = await startOpenAISimulator({ apiKey: CLOUD_KEY });
  receiver = await startAlertReceiver();
});
afterAll(async () => {
  await cloud?.close();
  await receiver?.close();
});

describe(`a model host outage mid-flood (${OUTAGE_S} s)`, () => {
  let temporal: TestTemporal;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let sim: OllamaSimulator;
  let port: number;
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-host-outage' });
    port = await freePort();
    sim = await startOllamaSimulator({ port, parallel: 2, tokensPerSecond: 40, ttftMs: 0 });
    platform = await startPlatform(temporal, [{ name: 'outage-host', url: `http://127.0.0.1:${port}`, slots: 2, simulated: true, reservedForProd: 1 }], {
      // Prod waits out the outage (default bound 30 s; a longer outage needs a longer bound, else prod falls back by design).
      envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url, CIVICOS_PROD_HOST_WAIT_S: String(Math.max(30, OUTAGE_S + 30)) },
    });
    new RoutingStore(platform.env.dataDir).set(matrixWithCloud(cloud), 'test');
  });
  afterAll(async () => {
    await platform?.stop();
    await sim?.close();
    await temporal?.close();
  });

  it('fails nothing, calls no cloud, alerts once, and drains prod first when the host returns', async () => {
    const cloudBefore = cloud.requests.length;
    const submissions = await Promise.all([...Array.from({ length: 6 }, () => submitInference(temporal.client, prod())), ...Array.from({ length: 6 }, () => submitInference(temporal.client, experimental()))]);
    const ids = new Set(submissions.map((s) => s.workflowId));
    const results = Promise.allSettled(submissions.map((s) => s.handle.result()));
    // Mid-flood: some work done, some running, most still queued.
    await eventually(() => sim.stats().completed >= 2 && sim.stats().active > 0, { what: 'the flood under way' });
    await sim.close();
    const downAt = Date.now();
    await eventually(() => receiver.alerts.find((a) => a.kind === 'model_host_down'), { what: 'model_host_down alert' });
    // The outage itself is the stimulus: the host stays away for OUTAGE_S.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_S * 1000 - (Date.now() - downAt))));
    sim = await startOllamaSimulator({ port, parallel: 2, tokensPerSecond: 40, ttftMs: 0 });
    const upAt = Date.now();
    const settled = await results;
    const recoveryMs = Date.now() - upAt;
    const firstServedMs = Math.min(...sim.records.map((r) => r.startedAt ?? Infinity)) - upAt;
    console.info(`[figures] outage ${OUTAGE_S} s: first call on the returned host after ${firstServedMs} ms; all ${settled.length} requests done ${recoveryMs} ms after it returned`);

    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const served = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    expect(served.every((r) => r?.fallbacks?.length === 0)).toBe(true);
    expect(cloud.requests.length - cloudBefore).toBe(0);
    expect(readRoutingEvents(platform.env.dataDir).filter((e) => ids.has(e.workflowId))).toEqual([]);
    expect(receiver.alerts.filter((a) => a.kind === 'model_host_down')).toHaveLength(1);
    expect(receiver.alerts.find((a) => a.kind === 'model_host_down')?.details).toMatchObject({ host: 'outage-host', since: expect.any(String) });
    await eventually(() => receiver.alerts.find((a) => a.kind === 'model_host_recovered'), { what: 'recovery notice' });

    const ledger = (await platform.ledger.read()).filter((r) => ids.has(r.workflowId));
    expect(ledger.filter((r) => r.outcome === 'error')).toEqual([]);
    expect(ledger.filter((r) => r.outcome === 'host_down').length).toBeGreaterThan(0);
    expect(ledger.filter((r) => r.outcome === 'ok')).toHaveLength(12);
    // Waits, not retry storms: no request spent a retry attempt, and the host_down lines are the calls
    // cut by the outage plus about one a second (the prod task the down worker lets through so its
    // request learns of the outage), not 5 attempts per request.
    expect(served.map((r) => r?.attempts)).toEqual(Array(12).fill(1));
    expect(ledger.filter((r) => r.outcome === 'host_down').length).toBeLessThanOrEqual(OUTAGE_S * 1.5 + 12);
    // On recovery the queue drains in priority order: every prod call starts before any experimental one.
    const order = sim.records.filter((r) => r.startedAt !== null).sort((a, b) => a.startedAt! - b.startedAt!).map((r) => r.model);
    const lastProd = order.lastIndexOf(PROD_MODEL);
    const firstExp = order.indexOf(EXP_MODEL);
    expect(lastProd).toBeGreaterThanOrEqual(0);
    expect(firstExp).toBeGreaterThan(lastProd);
  }, 120_000 + OUTAGE_S * 1000);
});

describe('a host that stays down past the prod wait', () => {
  let temporal: TestTemporal;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let port: number;
  let sim: OllamaSimulator | undefined;
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-host-outage-bound' });
    port = await freePort();
    platform = await startPlatform(temporal, [{ name: 'gone-host', url: `http://127.0.0.1:${port}`, slots: 2, simulated: true, reservedForProd: 1 }], {
      envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url, CIVICOS_PROD_HOST_WAIT_S: '2' },
    });
    new RoutingStore(platform.env.dataDir).set(matrixWithCloud(cloud), 'test');
  });
  afterAll(async () => {
    await platform?.stop();
    await sim?.close();
    await temporal?.close();
  });

  it('prod falls back with reason host_down after the bound; experimental waits (TTL across re-schedules) and never goes to cloud', async () => {
    const cloudBefore = cloud.requests.length;
    const p = await submitInference(temporal.client, prod());
    const waiting = await submitInference(temporal.client, experimental());
    const expiring = await submitInference(temporal.client, experimental({ ttl_seconds: 4 }));
    const prodResult = await p.handle.result();
    // Both local routes of the chain left with host_down, then the cloud policy applied (local failed).
    expect(prodResult.fallbacks?.map((f) => [f.from, f.reason])).toEqual([
      ['local/qwen-14b', 'host_down'],
      ['local/mistral-small', 'host_down'],
    ]);
    expect(prodResult.route).toBe('cloud/premium');
    expect(cloud.requests.length - cloudBefore).toBe(1);

    // The experimental request with a 4 s TTL expired in the queue after ~4 s of waiting across
    // several schedulings, recorded, never sent to cloud.
    const expired = await expiring.handle.result().then(() => undefined, (e: unknown) => e as Error);
    expect(expired?.cause).toMatchObject({ type: 'QueueTtlExpired' });
    const expiry = (await platform.ledger.read()).find((r) => r.workflowId === expiring.workflowId && r.outcome === 'expired');
    expect(expiry?.queueWaitMs).toBeGreaterThanOrEqual(4_000);
    expect(expiry?.model).toBe(EXP_MODEL);

    // The other experimental request is still waiting; when the host returns it is served locally.
    sim = await startOllamaSimulator({ port, parallel: 2, tokensPerSecond: 0 });
    const expResult = await waiting.handle.result();
    expect(expResult.fallbacks).toEqual([]);
    expect(expResult.host).toBe('gone-host');
    expect(cloud.requests.length - cloudBefore).toBe(1);
    expect(readRoutingEvents(platform.env.dataDir).filter((e) => e.workflowId === waiting.workflowId || e.workflowId === expiring.workflowId)).toEqual([]);
  }, 60_000);
});

describe('one of two hosts down', () => {
  let temporal: TestTemporal;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let healthy: OllamaSimulator;
  let doomed: OllamaSimulator;
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-host-outage-two' });
    healthy = await startOllamaSimulator({ parallel: 1, tokensPerSecond: 40, ttftMs: 0 });
    doomed = await startOllamaSimulator({ parallel: 1, tokensPerSecond: 40, ttftMs: 0 });
    // Two hosts served by one process, as CIVICOS_MODEL_HOSTS configures them.
    platform = await startPlatform(temporal, [
      { name: 'healthy-host', url: healthy.url, slots: 1, simulated: true, reservedForProd: 0 },
      { name: 'doomed-host', url: doomed.url, slots: 1, simulated: true, reservedForProd: 0 },
    ], { envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url } });
    new RoutingStore(platform.env.dataDir).set(matrixWithCloud(cloud), 'test');
  });
  afterAll(async () => {
    await platform?.stop();
    await healthy?.close();
    await doomed?.close();
    await temporal?.close();
  });

  it('moves the work to the healthy host: nothing fails, nothing falls back', async () => {
    const cloudBefore = cloud.requests.length;
    const submissions = await Promise.all(Array.from({ length: 8 }, () => submitInference(temporal.client, prod())));
    const results = Promise.allSettled(submissions.map((s) => s.handle.result()));
    await eventually(() => doomed.stats().completed >= 1 && healthy.stats().completed >= 1, { what: 'both hosts serving' });
    await doomed.close();
    const settled = await results;
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const served = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    expect(served.every((r) => r?.fallbacks?.length === 0)).toBe(true);
    expect(cloud.requests.length - cloudBefore).toBe(0);
    // After the outage only the healthy host served.
    const afterDown = served.filter((r) => r?.host === 'doomed-host').length;
    expect(afterDown).toBe(doomed.stats().completed);
    expect(served.filter((r) => r?.host === 'healthy-host').length).toBe(8 - afterDown);
    expect(receiver.alerts.filter((a) => a.kind === 'model_host_down' && a.subject === 'doomed-host')).toHaveLength(1);
  }, 60_000);
});

describe('a real Ollama killed (SIGKILL) mid-flood and started again on its port', () => {
  let temporal: TestTemporal;
  let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;
  let server: RealOllama | undefined;
  let skipReason: string | undefined;
  beforeAll(async () => {
    const target = await startRealOllamaTarget();
    server = target.server;
    skipReason = target.skipReason;
    if (!server) return;
    temporal = await connectTest({ namespace: 'test-host-outage-real' });
    platform = await startPlatform(temporal, [{ name: 'real-outage-host', url: server.url, slots: 2, simulated: false, reservedForProd: 1 }], {
      envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url },
    });
    new RoutingStore(platform.env.dataDir).set(matrixWithCloud(cloud), 'test');
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
    await server?.stop();
    await temporal?.close();
  });

  it('loses nothing, spends no attempt, calls no cloud, alerts once', async (context) => {
    if (!server || !platform) return context.skip(skipReason);
    const cloudBefore = cloud.requests.length;
    const tiny = (lane: 'prod' | 'experimental') => ({ ...(lane === 'prod' ? prod() : experimental()), model: TINY_MODEL, max_tokens: 48 });
    const submissions = await Promise.all([...Array.from({ length: 4 }, () => submitInference(temporal.client, tiny('prod'))), ...Array.from({ length: 2 }, () => submitInference(temporal.client, tiny('experimental')))]);
    const ids = new Set(submissions.map((s) => s.workflowId));
    const results = Promise.allSettled(submissions.map((s) => s.handle.result()));
    await eventually(async () => (await platform!.ledger.read()).some((r) => ids.has(r.workflowId) && r.outcome === 'ok'), { what: 'the flood under way', timeoutMs: 60_000 });
    const port = Number(new URL(server.url).port);
    process.kill(-server.pid, 'SIGKILL');
    await server.stop();
    await eventually(() => receiver.alerts.find((a) => a.kind === 'model_host_down' && a.subject === 'real-outage-host'), { what: 'model_host_down alert' });
    server = await acquireRealOllama({ allowBuild: false, port });
    const upAt = Date.now();
    const settled = await results;
    console.info(`[figures] real Ollama killed and restarted: all ${settled.length} requests done ${Date.now() - upAt} ms after it answered again`);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    const served = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    expect(served.every((r) => r?.fallbacks?.length === 0 && r.attempts === 1 && r.host === 'real-outage-host')).toBe(true);
    expect(cloud.requests.length - cloudBefore).toBe(0);
    expect(receiver.alerts.filter((a) => a.kind === 'model_host_down' && a.subject === 'real-outage-host')).toHaveLength(1);
    const ledger = (await platform.ledger.read()).filter((r) => ids.has(r.workflowId));
    expect(ledger.filter((r) => r.outcome === 'error')).toEqual([]);
    expect(ledger.filter((r) => r.outcome === 'ok')).toHaveLength(6);
  }, 240_000);
});
