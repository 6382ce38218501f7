import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertSender } from '../activities/alerts';
import { queueStatus } from '../client/queue-admin';
import { admittedCount, pauseLanes, resumeLanes } from '../platform/lane-admin';
import { QueueFullError, submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import { logger } from '../platform/logger';
import { startOllamaSimulator, type GenerationRecord, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startAlertReceiver } from './support/alert-receiver';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;

// Concrete model names tell the simulator's records apart: urgent/high prod, normal experimental.
const MODEL = { urgent: 'qwen2.5:14b', high: 'qwen3:14b', experimental: 'mistral-small3.2:24b' };

const prod = (priority: 'urgent' | 'high', overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  agent_id: 'lanes-test',
  calling_skill: 'lanes',
  model: MODEL[priority],
  priority,
  lane: 'prod',
  system_prompt: '',
  user_prompt: `prod ${uniqueId('p')}`,
  max_tokens: 8,
  callback: 'none',
  ...overrides,
});
const experimental = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  ...prod('high'),
  model: MODEL.experimental,
  priority: 'normal',
  lane: 'experimental',
  experiment_tag: 'exp-lanes',
  success_criteria: 'runs without blocking prod',
  user_prompt: `exp ${uniqueId('e')}`,
  ...overrides,
});

const pendingScheduled = async (handles: WorkflowHandle[]): Promise<boolean> => {
  const descriptions = await Promise.all(handles.map((h) => h.describe()));
  return descriptions.every((d) => (d.raw.pendingActivities?.length ?? 0) === 1);
};

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-lanes' });
  receiver = await startAlertReceiver();
  sim = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
  platform = await startPlatform(temporal, [{ name: 'lane-host', url: sim.url, slots: 2, simulated: true, reservedForProd: 1 }], {
    envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url, CIVICOS_ALERT_PAUSED_AFTER_S: '1', CIVICOS_MONITOR_INTERVAL_MS: '200' },
  });
});
afterEach(async () => {
  await resumeLanes(temporal.client, { lanes: 'all', by: 'test-cleanup' });
  sim.setOptions({ tokensPerSecond: 0, ttftMs: 0, faults: {} });
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await receiver?.close();
  await temporal?.close();
});

function concurrency(records: readonly GenerationRecord[], model: string): number {
  const events = records
    .filter((r) => r.model === model && r.startedAt !== null)
    .flatMap((r) => [{ t: r.startedAt!, d: 1 }, { t: r.endedAt ?? Infinity, d: -1 }])
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (now += e.d));
  return max;
}

describe('lanes on one 2-slot host (1 reserved for prod)', () => {
  it('pause → submit → resume loses nothing and duplicates nothing; priority orders the backlog', async () => {
    await pauseLanes(temporal.client, { lanes: 'all', reason: 'test maintenance', by: 'ops-test' });
    const status = await queueStatus(temporal.client, platform.env.dataDir);
    expect(status.lanes.map((l) => [l.lane, l.pause.paused, l.pause.by, l.pause.reason])).toEqual([
      ['prod', true, 'ops-test', 'test maintenance'],
      ['experimental', true, 'ops-test', 'test maintenance'],
    ]);
    const before = sim.records.length;
    const submissions = await Promise.all([
      ...Array.from({ length: 4 }, () => submitInference(temporal.client, prod('high'))),
      ...Array.from({ length: 3 }, () => submitInference(temporal.client, experimental())),
      ...Array.from({ length: 2 }, () => submitInference(temporal.client, prod('urgent'))),
    ]);
    const handles = submissions.map((s) => s.handle);
    await eventually(() => pendingScheduled(handles), { what: 'all 9 inference activities scheduled' });
    // Absence can only be observed over time: a second of workers polling a paused lane.
    const pausedUntil = Date.now() + 1_000;
    await eventually(() => Date.now() > pausedUntil || sim.records.length > before, { what: 'observation window' });
    expect(sim.records.length - before).toBe(0);

    sim.setOptions({ tokensPerSecond: 200 });
    await resumeLanes(temporal.client, { lanes: 'all', by: 'ops-test' });
    const results = await Promise.all(handles.map((h) => h.result()));
    expect(results).toHaveLength(9);
    const served = sim.records.slice(before);
    const ledger = (await platform.ledger.read()).filter((r) => submissions.some((s) => s.workflowId === r.workflowId));
    // One accepted model call per request. An experimental call pre-empted for prod is recorded as
    // deferred and re-run; the host may have finished it in the instant the client aborted, so a
    // deferral can leave one extra completed call on the host, never an extra result.
    const deferred = ledger.filter((r) => r.outcome === 'deferred').length;
    const hostCompleted = served.filter((r) => r.outcome === 'completed').length;
    expect(hostCompleted).toBeGreaterThanOrEqual(9);
    expect(hostCompleted - 9).toBeLessThanOrEqual(deferred);
    expect(served.length - hostCompleted).toBeLessThanOrEqual(deferred);
    expect(ledger.filter((r) => r.outcome === 'ok')).toHaveLength(9);
    expect(new Set(ledger.filter((r) => r.outcome === 'ok').map((r) => r.workflowId)).size).toBe(9);
    // Urgent (priority 1) ran before every high (priority 2) task queued earlier.
    const prodOrder = served.filter((r) => r.model !== MODEL.experimental).map((r) => r.model);
    expect(prodOrder.slice(0, 2)).toEqual([MODEL.urgent, MODEL.urgent]);
  });

  it('experimental never holds the reserved slot; prod still starts while experimental floods', async () => {
    sim.setOptions({ tokensPerSecond: 40 });
    sim.resetStats();
    const flood = await Promise.all(Array.from({ length: 5 }, () => submitInference(temporal.client, experimental({ max_tokens: 12 }))));
    await eventually(() => sim.stats().active > 0, { what: 'experimental work running' });
    const urgent = await submitInference(temporal.client, prod('urgent', { max_tokens: 4 }));
    const startedBy = Date.now();
    await urgent.handle.result();
    const urgentRecord = sim.records.find((r) => r.model === MODEL.urgent);
    expect(urgentRecord?.startedAt).toBeDefined();
    expect(urgentRecord!.startedAt! - startedBy).toBeLessThan(5_000);
    await Promise.all(flood.map((s) => s.handle.result()));
    expect(concurrency(sim.records, MODEL.experimental)).toBe(1);
    expect(sim.stats().maxActive).toBeLessThanOrEqual(2);
  });

  it('refuses submits past the lane cap with QueueFull and alerts for prod; duplicates still attach', async () => {
    await pauseLanes(temporal.client, { lanes: 'prod', reason: 'cap test', by: 'ops-test' });
    const policy = { capProd: 3, capExperimental: 100, experimentalTtlSeconds: 3600 };
    const alerts = new AlertSender({ logger: logger(), webhook: receiver.url });
    const admittedBefore = (await queueStatus(temporal.client, platform.env.dataDir)).lanes[0]!.admitted;
    expect(admittedBefore).toBe(0);
    const first = await Promise.all([1, 2, 3].map(() => submitInference(temporal.client, prod('high'), { policy, alerts })));
    // Admission counts from visibility, which trails a start by a moment (documented: a burst can overshoot by that window).
    await eventually(async () => (await admittedCount(temporal.client, 'prod')) === 3, { what: 'visibility to show 3 admitted' });
    const refused = await submitInference(temporal.client, prod('high'), { policy, alerts }).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as QueueFullError).message).toMatch(/lane prod has 3 unfinished requests \(cap 3\).*CIVICOS_QUEUE_CAP_PROD/);
    await eventually(() => receiver.alerts.find((a) => a.kind === 'queue_full' && a.lane === 'prod'), { what: 'queue_full alert' });
    // Experimental is not capped by prod's cap.
    await submitInference(temporal.client, experimental(), { policy, alerts });
    const duplicate = await submitInference(temporal.client, { ...prod('high'), user_prompt: 'dup', idempotency_key: uniqueId('cap-dup') }, { policy: { ...policy, capProd: 4 }, alerts });
    const again = await submitInference(temporal.client, { ...prod('high'), user_prompt: 'dup', idempotency_key: duplicate.workflowId.slice('inference:'.length) }, { policy, alerts });
    expect(again.workflowId).toBe(duplicate.workflowId);
    await resumeLanes(temporal.client, { lanes: 'prod', by: 'ops-test' });
    await Promise.all([...first, duplicate].map((s) => s.handle.result()));
  });

  it('an experimental request that outlives its queue TTL ends with a recorded reason', async () => {
    await pauseLanes(temporal.client, { lanes: 'experimental', reason: 'ttl test', by: 'ops-test' });
    const { handle, workflowId } = await submitInference(temporal.client, experimental({ ttl_seconds: 1 }));
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause as { type?: string }).type).toBe('QueueTtlExpired');
    const record = (await platform.ledger.read()).find((r) => r.workflowId === workflowId);
    expect(record).toMatchObject({ outcome: 'expired', errorType: 'QueueTtlExpired', lane: 'experimental' });
  });

  it('alerts when a lane stays paused past its threshold', async () => {
    const before = receiver.alerts.length;
    await pauseLanes(temporal.client, { lanes: 'experimental', reason: 'alert test', by: 'ops-test' });
    const alert = await eventually(() => receiver.alerts.slice(before).find((a) => a.kind === 'queue_paused_too_long' && a.lane === 'experimental'), { what: 'paused-too-long alert' });
    expect(alert.message).toMatch(/paused for \d+s.*by ops-test: alert test/);
  });

  it('status shows slots per host and queue-wait percentiles from the ledger', async () => {
    await (await submitInference(temporal.client, prod('high'))).handle.result();
    const status = await eventually(async () => {
      const s = await queueStatus(temporal.client, platform.env.dataDir);
      return s.hosts.length > 0 ? s : undefined;
    }, { what: 'host slot report' });
    expect(status.hosts[0]).toMatchObject({ host: 'lane-host', slots: 2, reservedForProd: 1, stale: false });
    const prodLane = status.lanes.find((l) => l.lane === 'prod')!;
    expect(prodLane.queueWaitP50Ms).not.toBeNull();
    expect(prodLane.queueWaitP95Ms!).toBeGreaterThanOrEqual(prodLane.queueWaitP50Ms!);
    expect(prodLane.completedLast15m).toBeGreaterThan(0);
  });
});
