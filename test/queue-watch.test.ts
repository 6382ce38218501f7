import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertSink } from '../activities/alerts';
import { pauseLanes, resumeLanes } from '../platform/lane-admin';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import { logger } from '../platform/logger';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { createInferenceWorkers, type InferenceWorkers } from '../workers/inference-worker';
import { RoutingStore } from '../stores/routing-store';
import { startQueueMonitor } from '../workers/queue-monitor';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

/** The loops that watch the prod backlog: experimental deferral (inference worker) and the SLO alert (queue monitor). */
let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let inference: InferenceWorkers;
let running: Promise<void>[];

const prod = (): InferencePayloadInput => ({
  agent_id: 'watch-test',
  calling_skill: 'backlog',
  model: 'qwen3:14b',
  priority: 'high',
  lane: 'prod',
  system_prompt: '',
  user_prompt: `prod ${uniqueId('p')}`,
  max_tokens: 8,
  callback: 'none',
});
const experimental = (): InferencePayloadInput => ({
  ...prod(),
  model: 'mistral-small3.2:24b',
  priority: 'normal',
  lane: 'experimental',
  experiment_tag: 'exp-watch',
  success_criteria: 'waits for prod',
  user_prompt: `exp ${uniqueId('e')}`,
});

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-queue-watch' });
  sim = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
  // Workflows here; the inference worker is created directly so the test can see its slot budget.
  platform = await startPlatform(temporal, []);
  inference = await createInferenceWorkers({
    connection: temporal.native,
    namespace: temporal.namespace,
    host: { name: 'watch-host', url: sim.url, slots: 2, simulated: true },
    ledger: platform.ledger,
    logger: logger(),
    routing: new RoutingStore(platform.env.dataDir),
    prodBacklogDeferMs: 500,
    watchIntervalMs: 100,
    dataConverter: temporal.dataConverter,
  });
  running = inference.workers.map((worker) => worker.run());
});
afterAll(async () => {
  await resumeLanes(temporal.client, { lanes: 'all', by: 'test-cleanup' });
  inference?.stopWatching();
  for (const worker of inference?.workers ?? []) if (worker.getState() === 'RUNNING') worker.shutdown();
  await Promise.all(running ?? []);
  await platform?.stop();
  await sim?.close();
  await temporal?.close();
});

describe('watching the prod backlog', () => {
  it('defers experimental work while the prod backlog is older than CIVICOS_PROD_BACKLOG_DEFER_MS, then lets it run', async () => {
    await pauseLanes(temporal.client, { lanes: 'prod', reason: 'backlog test', by: 'test' });
    const urgent = await submitInference(temporal.client, prod());
    await eventually(() => inference.budget.experimentalDeferred, { what: 'experimental deferred behind the old prod backlog' });

    // While deferred, the budget grants experimental no new slot (a poller that already held one
    // before the deferral began can still take one task: see the report of issue 11).
    expect(inference.budget.supplier('experimental').tryReserveSlot({ slotType: 'activity', taskQueue: 'civicos-inference-experimental', workerIdentity: 'test', workerBuildId: '', isSticky: false } as never)).toBeNull();
    const exp = await submitInference(temporal.client, experimental());

    await resumeLanes(temporal.client, { lanes: 'prod', by: 'test' });
    await urgent.handle.result();
    await exp.handle.result();
    await eventually(() => !inference.budget.experimentalDeferred, { what: 'deferral lifted once the prod backlog cleared' });
  });

  it('alerts once (prod_backlog_over_slo) when the oldest prod task waits past CIVICOS_PROD_BACKLOG_SLO_S', async () => {
    const alerts: Alert[] = [];
    const sink: AlertSink = { send: async (alert) => void alerts.push(alert) };
    const monitor = startQueueMonitor({
      client: temporal.client,
      policy: { ...platform.env.queue, prodBacklogSloSeconds: 1, alertPausedAfterSeconds: 3600, monitorIntervalMs: 100 },
      alerts: sink,
      logger: logger(),
    });
    try {
      await pauseLanes(temporal.client, { lanes: 'prod', reason: 'slo test', by: 'test' });
      const waiting = await submitInference(temporal.client, prod());
      const alert = await eventually(() => alerts.find((a) => a.kind === 'prod_backlog_over_slo'), { what: 'prod_backlog_over_slo alert' });
      expect(alert).toMatchObject({ severity: 'critical', lane: 'prod', subject: 'civicos-inference-prod', details: expect.objectContaining({ paused: true }) });
      expect(alert.details!.backlog).toBeGreaterThanOrEqual(1);
      expect(alert.message).toMatch(/prod backlog of \d+ tasks, oldest waiting \d+s \(SLO 1s\)/);
      // Once per episode: more checks while the backlog stays old raise nothing new.
      const checksLater = Date.now() + 500;
      await eventually(() => Date.now() > checksLater, { what: 'a few more monitor checks' });
      expect(alerts.filter((a) => a.kind === 'prod_backlog_over_slo')).toHaveLength(1);
      await resumeLanes(temporal.client, { lanes: 'prod', by: 'test' });
      await waiting.handle.result();
    } finally {
      monitor.stop();
    }
  });
});
