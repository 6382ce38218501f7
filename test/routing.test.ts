import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { type ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRoutingEvents } from '../stores/routing-events';
import { RoutingStore } from '../stores/routing-store';
import { runSmokeTest } from '../client/smoke';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import type { RoutingMatrixInput } from '../common/routing-matrix';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startOpenAISimulator, type OpenAISimulator } from '../deploy/dev/openai-simulator';
import { configureLogger } from '../platform/logger';
import { startAlertReceiver } from './support/alert-receiver';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';
import { routedProviders, type QueueStatus } from '../client/queue-admin';
import { resumeLanes } from '../platform/lane-admin';
import { inferencePayload } from './support/fixtures';
import { temporal as proto } from '@temporalio/proto';

const EVENT = proto.api.enums.v1.EventType;

const CLOUD_KEY = 'sk-test-civicos-cloud-key-0123456789abcdef';
let temporal: TestTemporal;
let ollama: OllamaSimulator;
let cloud: OpenAISimulator;
let pilot: OpenAISimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let store: RoutingStore;
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;
/** Every platform log line of this file (the workers log through the process logger configured below). */
const logLines: string[] = [];

function testMatrix(overrides: (m: RoutingMatrixInput) => void = () => undefined): RoutingMatrixInput {
  const m = JSON.parse(JSON.stringify(DEFAULT_ROUTING_MATRIX)) as RoutingMatrixInput;
  m.providers['cloud-openai']!.baseUrl = cloud.url;
  m.providers['cloud-openai']!.apiKeyEnv = 'CIVICOS_CLOUD_KEY_TEST_ROUTING';
  m.providers['llamacpp-pilot']!.baseUrl = pilot.url;
  overrides(m);
  return m;
}

const payload = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput =>
  inferencePayload({
    agent_id: 'routing-test',
    calling_skill: 'routing',
    model: 'local/qwen-14b',
    priority: 'high',
    lane: 'prod',
    task_class: 'summary',
    system_prompt: '',
    user_prompt: `route me ${uniqueId('r')}`,
    max_tokens: 64,
    callback: 'none',
    ...overrides,
  });

/** The real `civicos` binary as a subprocess, against this file's namespace and data directory. */
function civicos(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const root = path.resolve(__dirname, '..');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin', 'civicos.js'), ...args],
      { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, CIVICOS_DATA_DIR: platform.env.dataDir, CIVICOS_LOG_LEVEL: 'error' } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

beforeAll(async () => {
  process.env.CIVICOS_CLOUD_KEY_TEST_ROUTING = CLOUD_KEY;
  temporal = await connectTest({ namespace: 'test-routing' });
  ollama = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
  cloud = await startOpenAISimulator({ apiKey: CLOUD_KEY });
  pilot = await startOpenAISimulator();
  configureLogger('info', (line) => {
    logLines.push(line);
    if (/"level":"(warn|error)"/.test(line)) process.stderr.write(`${line}\n`);
  });
  receiver = await startAlertReceiver();
  platform = await startPlatform(temporal, [{ name: 'routing-host', url: ollama.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url, CIVICOS_CALLBACK_HOSTS: '127.0.0.1', CIVICOS_DIRECTORS: 'director.okafor,director.mensah' } });
  store = new RoutingStore(platform.env.dataDir);
});
beforeEach(() => {
  // Simulator faults merge; name the one this file sets to clear it.
  ollama.setOptions({ faults: { missingModels: [] } });
  store.set(testMatrix(), 'test');
});
afterAll(async () => {
  await platform?.stop();
  await ollama?.close();
  await cloud?.close();
  await pilot?.close();
  await receiver?.close();
  await temporal?.close();
  delete process.env.CIVICOS_CLOUD_KEY_TEST_ROUTING;
});

describe('routing through the matrix (real Temporal, simulated Ollama and cloud)', () => {
  it('names the matrix version and route that served the request', async () => {
    const version = store.current().version;
    const result = await (await submitInference(temporal.client, payload())).handle.result();
    expect(result).toMatchObject({ route: 'local/qwen-14b', model: 'qwen3:14b', matrixVersion: version, fallbacks: [] });
  });

  it('the happy path is one lane activity: the worker resolves the route (no routing local activity, no second activity)', async () => {
    store.set(testMatrix((m) => (m.aliases['local/qwen-14b']!.model = 'qwen2.5:14b')), 'test');
    const version = store.current().version;
    const { handle } = await submitInference(temporal.client, payload());
    expect(await handle.result()).toMatchObject({ route: 'local/qwen-14b', model: 'qwen2.5:14b', matrixVersion: version, fallbacks: [] });
    const events = (await handle.fetchHistory()).events ?? [];
    const count = (type: proto.api.enums.v1.EventType): number => events.filter((e) => e.eventType === type).length;
    expect(count(EVENT.EVENT_TYPE_MARKER_RECORDED)).toBe(0);
    expect(count(EVENT.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(1);
    expect(count(EVENT.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(2);
  });

  it('a local alias whose first route the lane may not use is routed by the workflow (RouteNotLocal: no model called)', async () => {
    // local/qwen-14b now starts on the pilot (OpenAI-compatible, experimental only): the lane worker declines it.
    store.set(testMatrix((m) => (m.aliases['local/qwen-14b'] = { provider: 'llamacpp-pilot', model: 'qwen3-14b-q4_k_m', fallback: ['local/mistral-small'] })), 'test');
    const { handle, workflowId } = await submitInference(temporal.client, payload());
    const result = await handle.result();
    expect(result).toMatchObject({ route: 'local/mistral-small', model: 'mistral-small3.2:24b', matrixVersion: store.current().version });
    expect(result.fallbacks).toEqual([expect.objectContaining({ from: 'local/qwen-14b', to: 'local/mistral-small', reason: 'lane_forbidden' })]);
    // One model call in the ledger: the fallback's. The declined first route called nothing.
    expect((await platform.ledger.read()).filter((r) => r.workflowId === workflowId).map((r) => [r.model, r.outcome])).toEqual([['mistral-small3.2:24b', 'ok']]);
    expect(readRoutingEvents(platform.env.dataDir).filter((e) => e.workflowId === workflowId)).toEqual([expect.objectContaining({ kind: 'fallback', reason: 'lane_forbidden', from: 'local/qwen-14b' })]);
    const events = (await handle.fetchHistory()).events ?? [];
    const failed = events.find((e) => e.eventType === EVENT.EVENT_TYPE_ACTIVITY_TASK_FAILED);
    expect(failed?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type).toBe('RouteNotLocal');
  });

  it('falls back along the chain when the primary model is missing, recording the typed reason', async () => {
    ollama.setOptions({ faults: { missingModels: ['qwen3:14b'] } });
    const { handle, workflowId } = await submitInference(temporal.client, payload());
    const result = await handle.result();
    expect(result.route).toBe('local/mistral-small');
    expect(result.fallbacks).toEqual([expect.objectContaining({ from: 'local/qwen-14b', to: 'local/mistral-small', reason: 'model_missing' })]);
    const events = readRoutingEvents(platform.env.dataDir).filter((e) => e.workflowId === workflowId);
    expect(events).toEqual([expect.objectContaining({ kind: 'fallback', reason: 'model_missing', from: 'local/qwen-14b' })]);
  });

  it('a route whose retries are exhausted (host keeps failing) falls back with reason unavailable', async () => {
    // Five attempts of the primary fail (the activity's maximumAttempts), the sixth call is the fallback's.
    ollama.setOptions({ faults: { failNextRequests: 5, failStatus: 500 } });
    const { handle, workflowId } = await submitInference(temporal.client, payload());
    const result = await handle.result();
    expect(result.route).toBe('local/mistral-small');
    expect(result.fallbacks).toEqual([expect.objectContaining({ from: 'local/qwen-14b', to: 'local/mistral-small', reason: 'unavailable' })]);
    const attempts = (await platform.ledger.read()).filter((r) => r.workflowId === workflowId);
    expect(attempts.filter((r) => r.model === 'qwen3:14b').map((r) => [r.attempt, r.outcome])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 'error']));
    expect(attempts.filter((r) => r.model === 'mistral-small3.2:24b').map((r) => r.outcome)).toEqual(['ok']);
  });

  it('a quality-gate failure (cut JSON) goes down the chain; cloud is then allowed because local failed', async () => {
    // max_tokens 4 cuts a JSON reply on every route: the cloud honours max_tokens like OpenAI's API does.
    const { handle, workflowId } = await submitInference(temporal.client, payload({ format: 'json', max_tokens: 4 }));
    const cause = await failure(handle.result());
    expect(cause.type).toBe('AllRoutesFailed');
    const fallbacks = cause.details?.[0] as Array<{ from: string; reason: string; detail: string }>;
    expect(fallbacks.map((f) => `${f.from}:${f.reason}`)).toEqual(['local/qwen-14b:quality_gate', 'local/mistral-small:quality_gate', 'cloud/premium:quality_gate']);
    expect(fallbacks.at(-1)!.detail).toMatch(/truncated by max_tokens/);
    const allowed = readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId && e.kind === 'cloud_allowed');
    expect(allowed).toMatchObject({ reason: 'local_gate_failed', taskClass: 'summary' });
    // Called the way OpenAI's JSON mode requires: the word "JSON" is in the messages (else a 400).
    expect(cloud.requests.at(-1)).toMatchObject({ authorized: true, status: 200, text: expect.stringMatching(/JSON/) });
  });

  it('when no local route can serve, the cloud serves the JSON reply and its cost is recorded', async () => {
    ollama.setOptions({ faults: { missingModels: ['qwen3:14b', 'mistral-small3.2:24b'] } });
    const { handle, workflowId } = await submitInference(temporal.client, payload({ format: 'json', max_tokens: 200 }));
    const result = await handle.result();
    expect(result.fallbacks!.map((f) => `${f.from}:${f.reason}`)).toEqual(['local/qwen-14b:model_missing', 'local/mistral-small:model_missing']);
    expect(result).toMatchObject({ route: 'cloud/premium', provider: 'openai-compatible', host: 'cloud-openai', doneReason: 'stop' });
    expect(JSON.parse(result.text)).toHaveProperty('summary');
    expect(result.costUsd).toBeGreaterThan(0);
    const allowed = readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId && e.kind === 'cloud_allowed');
    expect(allowed).toMatchObject({ reason: 'local_gate_failed', taskClass: 'summary' });
  });

  it('refuses cloud for a director_request by someone not listed in CIVICOS_DIRECTORS, recording why', async () => {
    const before = cloud.requests.length;
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium', director_request: { requested_by: 'intern.bob', reason: 'board pack tonight' } }));
    expect((await failure(handle.result())).type).toBe('AllRoutesFailed');
    const refusal = readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId && e.kind === 'cloud_refused');
    expect(refusal?.detail).toMatch(/director_request by intern\.bob refused: not a director listed in CIVICOS_DIRECTORS/);
    expect(cloud.requests.length).toBe(before);
  });

  it('refuses cloud without premium class, failed local or director, and logs the refusal', async () => {
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium' }));
    const cause = await failure(handle.result());
    expect(cause.type).toBe('AllRoutesFailed');
    const refusal = readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId);
    expect(refusal).toMatchObject({ kind: 'cloud_refused', reason: 'policy_refused', taskClass: 'summary' });
  });

  it('a failed prod request (every route failed) raises a workflow_failed alert; an experimental one does not', async () => {
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium' }));
    expect((await failure(handle.result())).type).toBe('AllRoutesFailed');
    const alert = await eventually(() => receiver.alerts.find((a) => a.kind === 'workflow_failed' && a.subject === workflowId), { what: 'workflow_failed alert' });
    expect(alert).toMatchObject({ severity: 'critical', lane: 'prod', details: expect.objectContaining({ errorType: 'AllRoutesFailed', agentId: 'routing-test' }) });
    expect(alert.message).toMatch(/cloud\/premium: policy_refused/);

    const experimental = await submitInference(temporal.client, payload({ model: 'cloud/premium', lane: 'experimental', priority: 'normal', experiment_tag: 'exp-fail', success_criteria: 'fails quietly' }));
    expect((await failure(experimental.handle.result())).type).toBe('AllRoutesFailed');
    expect(receiver.alerts.some((a) => a.subject === experimental.workflowId)).toBe(false);
  });

  it('a prod request whose callback is refused raises a workflow_failed alert', async () => {
    const refusing = http.createServer((_req, res) => res.writeHead(410).end());
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/gone`;
      const { handle, workflowId } = await submitInference(temporal.client, payload({ callback: url }));
      const error = await handle.result().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const alert = await eventually(() => receiver.alerts.find((a) => a.kind === 'workflow_failed' && a.subject === workflowId), { what: 'workflow_failed alert' });
      expect(alert.details).toMatchObject({ errorType: 'CallbackRefused' });
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it('records every provider attempt in the inference ledger, failed ones too', async () => {
    cloud.setOptions({ failNext: 2, failStatus: 503 });
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium', task_class: 'premium_synthesis' }));
    const result = await handle.result();
    expect(result).toMatchObject({ route: 'cloud/premium', attempts: 3 });
    const records = (await platform.ledger.read()).filter((r) => r.workflowId === workflowId).sort((a, b) => a.attempt - b.attempt);
    expect(records.map((r) => [r.attempt, r.outcome, r.errorType, r.host, r.model])).toEqual([
      [1, 'error', 'ModelHostBusy', 'cloud-openai', 'gpt-4.1-mini'],
      [2, 'error', 'ModelHostBusy', 'cloud-openai', 'gpt-4.1-mini'],
      [3, 'ok', null, 'cloud-openai', 'gpt-4.1-mini'],
    ]);
  });

  it.each([
    ['a premium task class', { task_class: 'premium_synthesis' }, 'premium_task_class'],
    ['a director request', { director_request: { requested_by: 'director.okafor', reason: 'board pack tonight' } }, 'director_request'],
  ])('allows cloud for %s, logging task class and reason', async (_name, extra, reason) => {
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium', ...extra }));
    const result = await handle.result();
    expect(result.route).toBe('cloud/premium');
    expect(readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId && e.kind === 'cloud_allowed')).toMatchObject({ reason });
  });

  it('refuses cloud spending past the envelope', async () => {
    store.set(testMatrix((m) => (m.cloud.monthlyBudgetUsd = 0.0000001)), 'test');
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium', task_class: 'premium_synthesis' }));
    const cause = await failure(handle.result());
    expect(cause.message).toMatch(/cloud\/premium: budget_exceeded/);
    expect(readRoutingEvents(platform.env.dataDir).some((e) => e.workflowId === workflowId && e.reason === 'budget_exceeded')).toBe(true);
  });

  it('refuses cloud when the monthly spend cannot be read (a truncated ledger line), naming file and line', async () => {
    const file = path.join(platform.env.dataDir, 'ledger', 'cloud', `${new Date().toISOString().slice(0, 7)}.jsonl`);
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, '{"ts":"2026-11-21T10:00:00.000Z","costUs\n');
    try {
      const request = payload({ model: 'cloud/premium', task_class: 'premium_synthesis' });
      const { handle, workflowId } = await submitInference(temporal.client, request);
      const cause = await failure(handle.result());
      expect(cause.type).toBe('AllRoutesFailed');
      expect(cause.message).toMatch(/cloud\/premium: budget_exceeded \(.*cloud spend unreadable.*\.jsonl:\d+/);
      expect(readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId && e.kind === 'fallback')).toMatchObject({ reason: 'budget_exceeded' });
      expect(cloud.requests.some((r) => r.text.includes(request.user_prompt))).toBe(false);
    } finally {
      if (before === undefined) fs.rmSync(file, { force: true });
      else fs.writeFileSync(file, before);
    }
  });

  it('`queue pause --lane all` holds a cloud-routed request on its provider queue; resume runs it once', async () => {
    const request = payload({ model: 'cloud/premium', task_class: 'premium_synthesis' });
    expect((await civicos('queue', 'pause', '--lane', 'all', '--reason', 'provider pause test', '--by', 'ops-test')).code).toBe(0);
    try {
      const { handle } = await submitInference(temporal.client, request);
      const pending = await eventually(async () => (await handle.describe()).raw.pendingActivities?.[0], { what: 'the cloud call scheduled' });
      expect(pending.activityType?.name).toBe('runProviderInference');
      const status = await eventually(async () => {
        const shown = await civicos('queue', 'status', '--json');
        const parsed = JSON.parse(shown.out) as QueueStatus;
        const queue = parsed.lanes.find((l) => l.lane === 'prod')!.providers.find((p) => p.provider === 'cloud-openai');
        return queue && queue.backlog > 0 ? queue : undefined;
      }, { what: 'the provider queue backlog in queue status' });
      expect(status).toMatchObject({ taskQueue: 'civicos-provider-cloud-openai-prod', paused: true, backlog: 1 });
      // Absence can only be observed over time: a second of the provider worker polling a paused queue.
      const until = Date.now() + 1_000;
      await eventually(() => Date.now() > until || cloud.requests.some((r) => r.text.includes(request.user_prompt)), { what: 'observation window' });
      expect(cloud.requests.filter((r) => r.text.includes(request.user_prompt))).toHaveLength(0);

      expect((await civicos('queue', 'resume', '--lane', 'all', '--by', 'ops-test')).code).toBe(0);
      const result = await handle.result();
      expect(result).toMatchObject({ route: 'cloud/premium', host: 'cloud-openai' });
      expect(cloud.requests.filter((r) => r.text.includes(request.user_prompt))).toHaveLength(1);
    } finally {
      await resumeLanes(temporal.client, { lanes: 'all', by: 'test-cleanup', providers: routedProviders(platform.env.dataDir) });
    }
  });

  it('runs at most the provider\'s concurrency of calls at once (pilot, experimental: 2)', async () => {
    pilot.setOptions({ latencyMs: 400 });
    try {
      const requests = Array.from({ length: 5 }, () =>
        submitInference(temporal.client, payload({ model: 'pilot/llamacpp-qwen', lane: 'experimental', priority: 'normal', experiment_tag: 'exp-limit', success_criteria: 'answers' })),
      );
      const results = await Promise.all((await Promise.all(requests)).map((s) => s.handle.result()));
      expect(results.every((r) => r.host === 'llamacpp-pilot')).toBe(true);
      expect(store.current().matrix.providers['llamacpp-pilot']!.concurrency.experimental).toBe(2);
      expect(pilot.maxActive()).toBe(2);
    } finally {
      pilot.setOptions({ latencyMs: 0 });
    }
  });

  it('keeps the cloud key out of results, history, ledgers and logs', async () => {
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium', task_class: 'premium_synthesis' }));
    const result = await handle.result();
    const history = JSON.stringify(await handle.fetchHistory());
    // The logs of this call were captured (the cloud use is logged with task class and reason), and no line holds the key.
    const cloudLog = logLines.find((line) => line.includes('cloud inference completed') && line.includes(workflowId));
    expect(cloudLog).toBeDefined();
    expect(JSON.parse(cloudLog!)).toMatchObject({ provider: 'cloud-openai', taskClass: 'premium_synthesis', reason: expect.stringMatching(/^premium_task_class/) });
    expect(logLines.filter((line) => line.includes(CLOUD_KEY))).toEqual([]);
    expect(JSON.stringify(result)).not.toContain(CLOUD_KEY);
    expect(history).not.toContain(CLOUD_KEY);
    const ledgerFiles = fs.readdirSync(path.join(platform.env.dataDir, 'ledger'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    for (const file of ledgerFiles) expect(fs.readFileSync(path.join(file.parentPath, file.name), 'utf8')).not.toContain(CLOUD_KEY);
  });

  it('keeps the non-Ollama pilot out of prod and serves experimental work with it', async () => {
    const prodResult = await (await submitInference(temporal.client, payload({ model: 'pilot/llamacpp-qwen' }))).handle.result();
    expect(prodResult.route).toBe('local/qwen-14b');
    expect(prodResult.fallbacks?.[0]).toMatchObject({ from: 'pilot/llamacpp-qwen', reason: 'lane_forbidden' });
    const expResult = await (
      await submitInference(temporal.client, payload({ model: 'pilot/llamacpp-qwen', lane: 'experimental', priority: 'normal', experiment_tag: 'exp-pilot', success_criteria: 'answers' }))
    ).handle.result();
    expect(expResult).toMatchObject({ route: 'pilot/llamacpp-qwen', host: 'llamacpp-pilot', provider: 'openai-compatible' });
  });

  it('rollback restores the previous version and the smoke test passes on it', async () => {
    const before = store.current().version;
    store.set(testMatrix((m) => (m.aliases['local/qwen-14b']!.model = 'qwen2.5:14b')), 'test');
    expect((await runSmokeTest(temporal.client)).result?.model).toBe('qwen2.5:14b');
    expect(store.rollback('test')).toEqual({ version: before, from: before + 1 });
    const report = await runSmokeTest(temporal.client);
    expect(report.ok).toBe(true);
    expect(report.result).toMatchObject({ route: 'local/qwen-14b', model: 'qwen3:14b', matrixVersion: before });
  });
});
