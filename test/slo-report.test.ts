import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../activities/alerts';
import { FileLedger, type InferenceRecord } from '../stores/ledger';
import { buildSloReport, evaluateBurnRates, gatherSloInputs, type SloReport, type SloSources } from '../activities/slo';
import { readSloHistory } from '../stores/slo-reports';
import { submitInference } from '../client/submit-inference';
import { SA } from '../common/search-attributes';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startSloMonitor } from '../workers/slo-monitor';
import { logger } from '../platform/logger';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';
import donorDigest from '../examples/payloads/donor-digest.json';

/**
 * A seeded day: known ledger records and routing events (in a data directory of their own), real
 * prod workflows that completed and failed (in a namespace of their own), a paused schedule whose
 * firing today did not run, and a stored report of an earlier day. Every number is known.
 */
const MIN = 60_000;
let temporal: TestTemporal;
let ollama: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let seedDir: string;
let t0: number;
let today: string;
let missedAt: string;
let report: SloReport;
let sources: SloSources;

function record(over: Partial<InferenceRecord> & Pick<InferenceRecord, 'ts' | 'workflowId' | 'lane' | 'priority' | 'queueWaitMs' | 'outcome'>): InferenceRecord {
  return {
    activityId: '1', attempt: 1, agentId: 'seed', callingSkill: 'seed', taskClass: 'summary', requestedModel: 'local/qwen-14b', model: 'qwen3:14b', host: 'gpu-a',
    simulated: true, latencyMs: 0, promptTokens: 0, outputTokens: 0, tokensPerSecond: 0, doneReason: null, errorType: null, ...over,
  };
}
const at = (msBefore: number): string => new Date(t0 - msBefore).toISOString();

beforeAll(async () => {
  // The seeded records sit up to 5 minutes before now and must fall inside today (UTC).
  await eventually(() => Date.now() % 86_400_000 > 6 * MIN, { timeoutMs: 7 * MIN, intervalMs: 1_000, what: 'the UTC day to be 6 minutes old' });
  temporal = await connectTest({ namespace: uniqueId('slo') });
  ollama = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
  platform = await startPlatform(temporal, [{ name: 'slo-host', url: ollama.url, slots: 2, simulated: true }]);
  seedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-slo-seed-'));

  // Two prod requests complete, one (invalid payload) fails.
  const ok1 = await submitInference(temporal.client, { ...donorDigest, idempotency_key: uniqueId('slo-ok') });
  const ok2 = await submitInference(temporal.client, { ...donorDigest, priority: 'urgent', idempotency_key: uniqueId('slo-ok') });
  const bad = await temporal.client.workflow.start('inferenceRequest', {
    taskQueue: WORKFLOW_TASK_QUEUE,
    workflowId: uniqueId('slo-bad'),
    args: [{ ...donorDigest, user_prompt: undefined }],
    typedSearchAttributes: [{ key: SA.Lane, value: 'prod' }, { key: SA.JobType, value: 'inference-request' }],
  });
  await Promise.all([ok1.handle.result(), ok2.handle.result()]);
  await expect(bad.result()).rejects.toThrow();
  // A paused schedule whose daily firing, 3 s after it was created, does not run.
  const fires = new Date(Math.ceil((Date.now() + 3_000) / 1_000) * 1_000);
  missedAt = fires.toISOString();
  await temporal.client.schedule.create({
    scheduleId: 'seeded-daily',
    spec: { calendars: [{ hour: fires.getUTCHours(), minute: fires.getUTCMinutes(), second: fires.getUTCSeconds() }], timezone: 'UTC' },
    action: { type: 'startWorkflow', workflowType: 'sloReport', taskQueue: WORKFLOW_TASK_QUEUE, args: [{}] },
    state: { paused: true, note: 'seeded: its firing today does not run' },
  });
  await eventually(() => Date.now() > fires.getTime() + 500, { timeoutMs: 10_000, intervalMs: 100, what: 'the schedule firing time to pass' });

  // Visibility trails a close by a moment: wait until it lists all three runs as closed.
  await eventually(async () => (await temporal.client.workflow.count('ExecutionStatus != "Running"')).count === 3, { what: 'visibility to list the three closed runs' });
  t0 = Date.now();
  today = new Date(t0).toISOString().slice(0, 10);

  const ledger = new FileLedger(seedDir);
  const seeds: InferenceRecord[] = [
    record({ ts: at(4 * MIN), workflowId: 'req-1', lane: 'prod', priority: 'urgent', queueWaitMs: 2_000, outcome: 'ok', latencyMs: 1_000, tokensPerSecond: 40, outputTokens: 100, firstTokenMs: 200 }),
    record({ ts: at(3 * MIN), workflowId: 'req-2', lane: 'prod', priority: 'urgent', queueWaitMs: 12_000, outcome: 'ok', latencyMs: 3_000, tokensPerSecond: 20, outputTokens: 60, firstTokenMs: 400 }),
    record({ ts: at(2 * MIN), workflowId: 'req-3', lane: 'prod', priority: 'high', queueWaitMs: 35_000, outcome: 'error', errorType: 'HostUnreachable', latencyMs: 500 }),
    record({ ts: at(1 * MIN), workflowId: 'req-3', lane: 'prod', priority: 'high', queueWaitMs: 500, outcome: 'ok', latencyMs: 2_000, tokensPerSecond: 30, outputTokens: 60, firstTokenMs: 300, model: 'mistral-small:24b' }),
    record({ ts: at(210_000), workflowId: 'exp-1', lane: 'experimental', priority: 'normal', queueWaitMs: 40_000, outcome: 'deferred', errorType: 'PreemptedForProd' }),
    record({ ts: at(90_000), workflowId: 'exp-1', lane: 'experimental', priority: 'normal', queueWaitMs: 1_000, outcome: 'ok', latencyMs: 4_000, tokensPerSecond: 10, outputTokens: 40, model: 'smollm2:135m', host: 'gpu-b' }),
    record({ ts: at(30_000), workflowId: 'exp-2', lane: 'experimental', priority: 'normal', queueWaitMs: 65_000, outcome: 'expired', errorType: 'QueueTtlExpired', host: '-' }),
    // One request through every other outcome (issue 12's ledger): only `ok` counts tokens; `error` and a
    // model `timeout` are model errors; host_down, a hung host's timeout, worker_lost and cancelled are interrupted.
    ...((exp3: Partial<InferenceRecord>) => [
      record({ ...exp3, ts: at(170_000), workflowId: 'exp-3', lane: 'experimental', priority: 'normal', queueWaitMs: 2_000, outcome: 'ok', latencyMs: 1_500, tokensPerSecond: 25, outputTokens: 50, firstTokenMs: 100 }),
      record({ ...exp3, ts: at(150_000), workflowId: 'exp-3', lane: 'experimental', priority: 'normal', attempt: 2, queueWaitMs: 3_000, outcome: 'duplicate', duplicateOf: 1, latencyMs: 2_000, tokensPerSecond: 25, outputTokens: 50 }),
      record({ ...exp3, ts: at(140_000), workflowId: 'exp-3', lane: 'experimental', priority: 'normal', activityId: '2', queueWaitMs: 5_000, outcome: 'host_down', errorType: 'ModelHostDown' }),
      record({ ...exp3, ts: at(130_000), workflowId: 'exp-3', lane: 'experimental', priority: 'normal', activityId: '2', attempt: 2, queueWaitMs: 6_000, outcome: 'timeout', errorType: 'ModelHostDown' }),
      record({ ...exp3, ts: at(120_000), workflowId: 'exp-3', lane: 'experimental', priority: 'normal', activityId: '3', queueWaitMs: 7_000, outcome: 'timeout', errorType: 'ModelTimeout' }),
      // Written when the next attempt started (60 s ago); the lost attempt itself started 30 s before that.
      record({ ...exp3, ts: at(60_000), workflowId: 'exp-3', lane: 'experimental', priority: 'normal', activityId: '4', queueWaitMs: 8_000, outcome: 'worker_lost', errorType: 'WorkerLost', latencyMs: 30_000 }),
      // Lost before its first heartbeat: no host, no known wait.
      record({ ...exp3, ts: at(50_000), workflowId: 'exp-3', lane: 'experimental', priority: 'normal', activityId: '5', queueWaitMs: 0, outcome: 'worker_lost', errorType: 'WorkerLost', host: 'unknown' }),
      record({ ...exp3, ts: at(45_000), workflowId: 'exp-3', lane: 'experimental', priority: 'normal', activityId: '6', queueWaitMs: 9_000, outcome: 'cancelled', errorType: 'Cancelled' }),
    ])({ model: 'llama3.2:3b', host: 'gpu-c' }),
  ];
  for (const r of seeds) await ledger.append(r);
  const routingDir = path.join(seedDir, 'ledger', 'routing');
  fs.mkdirSync(routingDir, { recursive: true });
  const event = (ts: string, e: Record<string, unknown>) => JSON.stringify({ ts, lane: 'prod', taskClass: 'summary', agentId: 'seed', matrixVersion: 1, detail: 'seeded', ...e });
  fs.writeFileSync(
    path.join(routingDir, `${today}.jsonl`),
    [
      event(at(2 * MIN - 1_000), { workflowId: 'req-3', kind: 'fallback', from: 'local/qwen-14b', to: 'local/mistral-small', reason: 'unavailable' }),
      event(at(3 * MIN - 1_000), { workflowId: 'req-2', kind: 'cloud_allowed', taskClass: 'synthesis', from: 'cloud/gpt-4o', to: 'cloud/gpt-4o', reason: 'premium_task_class' }),
      event(at(4 * MIN - 1_000), { workflowId: 'req-1', kind: 'cloud_refused', from: 'cloud/gpt-4o', to: null, reason: 'policy_refused' }),
    ].join('\n') + '\n',
  );
  // An earlier day's report, for the 28-day error budget.
  const earlier = new Date(Date.parse(`${today}T00:00:00Z`) - 2 * 86_400_000).toISOString().slice(0, 10);
  fs.mkdirSync(path.join(seedDir, 'outputs', 'slo', earlier), { recursive: true });
  fs.writeFileSync(
    path.join(seedDir, 'outputs', 'slo', earlier, 'slo-report.json'),
    JSON.stringify({ date: earlier, counts: { prod_success: { good: 97, total: 97 }, prod_queue_wait: { good: 96, total: 96 }, urgent_start: { good: 10, total: 10 } } }),
  );

  sources = { client: temporal.client, dataDir: seedDir };
  report = (await buildSloReport(sources, today, new Date(t0))).report;
}, 600_000);

afterAll(async () => {
  await platform?.stop();
  await ollama?.close();
  await temporal?.close();
  if (seedDir) fs.rmSync(seedDir, { recursive: true, force: true });
});

describe('the daily SLO report of a seeded day', () => {
  it('computes each SLO, its 28-day error budget and burn rates exactly', () => {
    const slo = Object.fromEntries(report.slos.map((s) => [s.id, s]));
    expect(slo.prod_success).toMatchObject({ value: 0.666667, pass: false, good: 2, total: 3, errorBudget: { daysWithData: 2, good: 99, total: 100, remaining: 0.5 }, burnRate: { '1h': 16.6667, '6h': 16.6667, '1d': 16.6667 } });
    expect(slo.prod_queue_wait).toMatchObject({ value: 35_000, pass: false, good: 3, total: 4, errorBudget: { daysWithData: 2, good: 99, total: 100, remaining: 0.8 }, burnRate: { '1h': 5, '6h': 5, '1d': 5 } });
    expect(slo.urgent_start).toMatchObject({ value: 12_000, pass: false, good: 1, total: 2, errorBudget: { daysWithData: 2, good: 11, total: 12, remaining: -0.6667 }, burnRate: { '1h': 10, '6h': 10, '1d': 10 } });
    expect(report.counts).toEqual({ prod_success: { good: 2, total: 3 }, prod_queue_wait: { good: 3, total: 4 }, urgent_start: { good: 1, total: 2 } });
  });

  it('reports queue waits per lane and priority, the peak backlog and its age', () => {
    const { hourlyWaitP95Ms: prodHourly, ...prod } = report.lanes.find((l) => l.lane === 'prod')!;
    const { hourlyWaitP95Ms: _h, ...experimental } = report.lanes.find((l) => l.lane === 'experimental')!;
    expect(prod).toEqual({ lane: 'prod', started: 4, waitP50Ms: 2_000, waitP95Ms: 35_000, waitP99Ms: 35_000, urgentStartP95Ms: 12_000, maxBacklog: 1, maxBacklogAt: at(4 * MIN + 2_000), maxBacklogAgeMs: 2_000, expired: 0, deferred: 0, backlogNow: null, oldestWaitingNowMs: null });
    // Waits of the 9 attempts with a known wait: 1, 2, 3, 5, 6, 7, 8, 9, 40 s (not the expired one, not the unheartbeated worker_lost).
    // The peak of 3 needs the worker_lost line at its attempt's start (90 s ago, waiting from 98 s ago), not when it was written.
    expect(experimental).toEqual({ lane: 'experimental', started: 9, waitP50Ms: 6_000, waitP95Ms: 40_000, waitP99Ms: 40_000, urgentStartP95Ms: null, maxBacklog: 3, maxBacklogAt: at(91_000), maxBacklogAgeMs: 65_000, expired: 1, deferred: 1, backlogNow: null, oldestWaitingNowMs: null });
    expect(prodHourly).toHaveLength(24);
    expect(report.lanePriorities).toEqual([
      { lane: 'experimental', priority: 'normal', started: 9, waitP50Ms: 6_000, waitP95Ms: 40_000, waitP99Ms: 40_000 },
      { lane: 'prod', priority: 'high', started: 2, waitP50Ms: 500, waitP95Ms: 35_000, waitP99Ms: 35_000 },
      { lane: 'prod', priority: 'urgent', started: 2, waitP50Ms: 2_000, waitP95Ms: 12_000, waitP99Ms: 12_000 },
    ]);
  });

  it('counts jobs by type with success and the failure reason', () => {
    expect(report.jobTypes).toEqual([
      { jobType: 'inference-request', lane: 'prod', started: 3, completed: 2, failed: 1, timedOut: 0, terminated: 0, cancelled: 0, running: 0, successRatio: 0.666667, topFailureReasons: [{ reason: 'InvalidInferencePayload', count: 1 }] },
    ]);
  });

  it('reports fallbacks, local → cloud and every cloud use with its task class and reason', () => {
    expect(report.fallbacks).toEqual({
      requests: 6,
      requestsWithFallback: 1,
      fallbackRate: 0.166667,
      reasons: [{ reason: 'unavailable', count: 1 }],
      localToCloud: 0,
      localToCloudRate: 0,
      cloudUses: [{ ts: at(3 * MIN - 1_000), workflowId: 'req-2', lane: 'prod', taskClass: 'synthesis', route: 'cloud/gpt-4o', reason: 'premium_task_class' }],
      cloudRefused: 1,
    });
  });

  it('reports latency, time to first token, tokens/s, model errors, interrupted attempts and pre-emptions per model and host', () => {
    expect(report.models).toEqual([
      // The duplicate's 50 tokens are not counted again; ok is `ok` lines only.
      { model: 'llama3.2:3b', host: 'gpu-c', attempts: 7, ok: 1, errors: 1, interrupted: 4, preemptions: 0, latencyP50Ms: 1_500, latencyP95Ms: 1_500, timeToFirstTokenP50Ms: 100, timeToFirstTokenP95Ms: 100, tokensPerSecondP50: 25, outputTokens: 50 },
      { model: 'mistral-small:24b', host: 'gpu-a', attempts: 1, ok: 1, errors: 0, interrupted: 0, preemptions: 0, latencyP50Ms: 2_000, latencyP95Ms: 2_000, timeToFirstTokenP50Ms: 300, timeToFirstTokenP95Ms: 300, tokensPerSecondP50: 30, outputTokens: 60 },
      { model: 'qwen3:14b', host: 'gpu-a', attempts: 4, ok: 2, errors: 1, interrupted: 0, preemptions: 1, latencyP50Ms: 1_000, latencyP95Ms: 3_000, timeToFirstTokenP50Ms: 200, timeToFirstTokenP95Ms: 400, tokensPerSecondP50: 20, outputTokens: 160 },
      { model: 'smollm2:135m', host: 'gpu-b', attempts: 1, ok: 1, errors: 0, interrupted: 0, preemptions: 0, latencyP50Ms: 4_000, latencyP95Ms: 4_000, timeToFirstTokenP50Ms: null, timeToFirstTokenP95Ms: null, tokensPerSecondP50: 10, outputTokens: 40 },
    ]);
  });

  it('finds the schedule firing that did not run', () => {
    expect(report.schedules).toEqual([
      { id: 'seeded-daily', workflow: 'sloReport', paused: true, expected: 1, taken: 0, notRun: 1, notRunAt: [missedAt], extra: 0, failed: 0, lagP95Ms: null, missedCatchupWindowTotal: 0, skippedOverlapTotal: 0 },
    ]);
    expect(report.window).toMatchObject({ start: `${today}T00:00:00.000Z`, end: new Date(t0).toISOString(), complete: false });
  });

  it('writes Markdown, JSON and HTML with a latest pointer, idempotently per date', async () => {
    const root = path.join(seedDir, 'outputs', 'slo');
    expect(JSON.parse(fs.readFileSync(path.join(root, 'latest.json'), 'utf8'))).toMatchObject({ date: today, html: `slo/${today}/slo-report.html` });
    const markdown = fs.readFileSync(path.join(root, today, 'slo-report.md'), 'utf8');
    expect(markdown).toContain('| Prod workflow success | ≥ 98 % | 66.67 % | FAIL |');
    const html = fs.readFileSync(path.join(root, today, 'slo-report.html'), 'utf8');
    expect(html).toContain('id="chart-queue-wait"');
    expect(html).not.toMatch(/<script|https?:\/\//);
    // The same numbers again (only generatedAt differs): nothing is rewritten.
    const again = await buildSloReport(sources, today, new Date(t0));
    expect(again.files.unchanged).toBe(true);
    expect((await readSloHistory(seedDir, new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10), 27)).map((h: { date: string }) => h.date)).toContain(today);
  });

  it('raises the burn-rate alerts that fire, once per episode', async () => {
    const now = new Date(t0);
    const findings = evaluateBurnRates(await gatherSloInputs(sources, today, now), now.getTime());
    expect(findings.map((f) => `${f.slo}:${f.rule}`).sort()).toEqual(['prod_success:fast', 'prod_success:slow', 'urgent_start:slow']);
    const sent: Alert[] = [];
    const monitor = startSloMonitor({ sources: async () => sources, alerts: { send: async (a) => void sent.push(a) }, logger: logger(), intervalMs: 3_600_000 });
    try {
      expect((await monitor.check(now)).sort()).toEqual(['prod_success:fast', 'prod_success:slow', 'urgent_start:slow']);
      expect(await monitor.check(now)).toEqual([]);
    } finally {
      monitor.stop();
    }
    expect(sent.map((a) => [a.kind, a.severity, a.subject])).toContainEqual(['slo_burn_rate', 'critical', 'prod_success']);
  });
});
