import * as http from 'node:http';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { freePort } from '../deploy/temporal/dev-server';
import { InvalidPayloadError, inferenceWorkflowId, submitInference } from '../client/submit-inference';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import type { InferencePayloadInput } from '../common/contract';
import type { inferenceCollector } from '../workflows';
import { startPlatform } from './support/platform';
import { connectTest, decodedJson, eventually, uniqueId, type TestTemporal } from './support/temporal';
import { failureCause, inferencePayload } from './support/fixtures';

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;

const payload = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput =>
  inferencePayload({
    agent_id: 'test-agent',
    calling_skill: 'donor-digest',
    model: 'local/qwen-14b',
    priority: 'high',
    lane: 'prod',
    system_prompt: 'Be brief.',
    user_prompt: `Summarise the week (${uniqueId('case')}).`,
    max_tokens: 32,
    callback: 'none',
    ...overrides,
  });

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-inference' });
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  // The webhook receivers of these tests listen on loopback: allow-listed explicitly (the SSRF guard refuses it otherwise).
  platform = await startPlatform(temporal, [{ name: 'sim-a', url: sim.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_CALLBACK_HOSTS: '127.0.0.1' } });
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await temporal?.close();
});

describe('inference through the queue contract (real Temporal, simulated Ollama)', () => {
  it('streams a reply and returns the typed result, resolving the alias', async () => {
    sim.setOptions({ tokensPerSecond: 0, ttftMs: 5, faults: {} });
    const { handle, workflowId } = await submitInference(temporal.client, payload());
    const result = await handle.result();
    expect(result).toMatchObject({ requestedModel: 'local/qwen-14b', model: 'qwen3:14b', provider: 'ollama', host: 'sim-a', simulated: true, attempts: 1, lane: 'prod', priority: 'high' });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.outputTokens).toBeGreaterThan(0);
    expect(result.outputTokens).toBeLessThanOrEqual(32);
    expect(['stop', 'length']).toContain(result.doneReason);
    expect(result.queueWaitMs).toBeGreaterThanOrEqual(0);
    const records = (await platform.ledger.read()).filter((r) => r.workflowId === workflowId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'ok', lane: 'prod', agentId: 'test-agent', callingSkill: 'donor-digest', model: 'qwen3:14b', host: 'sim-a', errorType: null });
  });

  it('maps max_tokens to num_predict (done reason "length")', async () => {
    sim.setOptions({ tokensPerSecond: 0, faults: {} });
    const result = await (await submitInference(temporal.client, payload({ max_tokens: 3 }))).handle.result();
    expect(result.outputTokens).toBe(3);
    expect(result.doneReason).toBe('length');
  });

  it('heartbeats progress while tokens stream', async () => {
    sim.setOptions({ tokensPerSecond: 20, ttftMs: 5, faults: {} });
    const { handle } = await submitInference(temporal.client, payload({ max_tokens: 40, user_prompt: 'A long answer please, about heartbeats and grants and donors.' }));
    const details = await eventually(async () => {
      const pending = (await handle.describe()).raw.pendingActivities?.[0];
      const payloads = pending?.heartbeatDetails?.payloads;
      return payloads?.length ? await decodedJson<{ outputTokens: number }>(payloads[0]) : undefined;
    }, { what: 'heartbeat details on the pending activity' });
    expect(details.outputTokens).toBeGreaterThan(0);
    await handle.result();
  });

  it('cancelling the workflow aborts the HTTP request (the simulator sees the connection closed)', async () => {
    sim.setOptions({ tokensPerSecond: 2, ttftMs: 5, faults: {} });
    const before = sim.stats().aborted;
    const { handle } = await submitInference(temporal.client, payload({ max_tokens: 200 }));
    await eventually(() => sim.stats().active > 0, { what: 'generation under way' });
    await handle.cancel();
    await expect(handle.result()).rejects.toSatisfy((error) => error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure);
    await eventually(() => sim.stats().aborted > before, { what: 'simulator saw the client disconnect' });
    sim.setOptions({ tokensPerSecond: 0 });
  });

  it('retries a busy host (503) and succeeds', async () => {
    sim.setOptions({ tokensPerSecond: 0, faults: { failNextRequests: 2, failStatus: 503 } });
    const { handle, workflowId } = await submitInference(temporal.client, payload());
    const result = await handle.result();
    expect(result.attempts).toBe(3);
    const records = (await platform.ledger.read()).filter((r) => r.workflowId === workflowId);
    expect(records.map((r) => r.errorType)).toEqual(['ModelHostBusy', 'ModelHostBusy', null]);
  });

  it('does not retry a missing model', async () => {
    sim.setOptions({ tokensPerSecond: 0, faults: {} });
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'not-installed:7b' }));
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // A concrete model has no fallback chain: the one route failed with model_missing after one attempt.
    const cause = failureCause(error);
    expect(cause?.type).toBe('AllRoutesFailed');
    expect(cause?.message).toMatch(/not-installed:7b: model_missing/);
    const records = (await platform.ledger.read()).filter((r) => r.workflowId === workflowId);
    expect(records).toHaveLength(1);
    expect(records[0]?.errorType).toBe('ModelNotFound');
  });

  it('ten concurrent submits with one idempotency_key make one run and one model call', async () => {
    sim.setOptions({ tokensPerSecond: 50, faults: {} });
    const key = uniqueId('dup');
    const before = sim.stats().completed;
    // One request, sent ten times (a different payload under the same key is refused: idempotency.test.ts).
    const request = payload({ idempotency_key: key });
    const submissions = await Promise.all(Array.from({ length: 10 }, () => submitInference(temporal.client, request)));
    expect(new Set(submissions.map((s) => s.workflowId))).toEqual(new Set([`inference:${key}`]));
    const results = await Promise.all(submissions.map((s) => s.handle.result()));
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    const runs = await temporal.client.workflow.count(`WorkflowId = "inference:${key}"`);
    expect(runs.count).toBe(1);
    expect(sim.stats().completed - before).toBe(1);
    // A later duplicate attaches to the finished run.
    const late = await submitInference(temporal.client, request);
    expect(await late.handle.result()).toEqual(results[0]);
    expect(sim.stats().completed - before).toBe(1);
  });

  it('derives a stable workflow ID from the request when there is no idempotency_key', () => {
    const p = payload({ user_prompt: 'same' });
    const parsed = { ...p, task_class: 'general', format: 'text' } as Parameters<typeof inferenceWorkflowId>[0];
    expect(inferenceWorkflowId(parsed)).toBe(inferenceWorkflowId({ ...parsed }));
    expect(inferenceWorkflowId(parsed)).not.toBe(inferenceWorkflowId({ ...parsed, user_prompt: 'other' }));
  });

  it('hashes the whole payload, nested fields included, in a readable ID', () => {
    const at = new Date('2026-11-28T09:30:00Z');
    const base = { ...payload({ user_prompt: 'board pack', model: 'cloud/premium' }), task_class: 'general', format: 'text' } as Parameters<typeof inferenceWorkflowId>[0];
    const byAda = { ...base, director_request: { requested_by: 'director.okafor', reason: 'board pack tonight' } };
    const byBen = { ...base, director_request: { requested_by: 'director.mensah', reason: 'board pack tonight' } };
    expect(inferenceWorkflowId(byAda, at)).not.toBe(inferenceWorkflowId(byBen, at));
    // Key order does not matter, at any depth.
    const reordered = { ...byAda, director_request: { reason: 'board pack tonight', requested_by: 'director.okafor' } };
    expect(inferenceWorkflowId(reordered, at)).toBe(inferenceWorkflowId(byAda, at));
    expect(inferenceWorkflowId(byAda, at)).toMatch(/^inference:test-agent:donor-digest:20261128:[0-9a-f]{16}$/);
    // Another day is another request; an idempotency key is the ID as given.
    expect(inferenceWorkflowId(byAda, new Date('2026-11-29T00:00:01Z'))).toMatch(/:20261129:/);
    expect(inferenceWorkflowId({ ...byAda, idempotency_key: 'k-1' }, at)).toBe('inference:k-1');
  });

  it('keeps the readable parts of the ID to safe characters and a bounded length', () => {
    const long = { ...payload(), agent_id: `a:b.${'x'.repeat(120)}`, calling_skill: 'skill:one', task_class: 'general', format: 'text' } as Parameters<typeof inferenceWorkflowId>[0];
    const id = inferenceWorkflowId(long, new Date('2026-11-28T00:00:00Z'));
    const [prefix, agent, skill, day, hash] = id.split(':');
    expect([prefix, skill, day]).toEqual(['inference', 'skill-one', '20261128']);
    expect(agent).toMatch(/^a-b\.x+$/);
    expect(agent!.length).toBeLessThanOrEqual(48);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('delivers a webhook callback with an idempotency header, retrying a failing receiver', async () => {
    sim.setOptions({ tokensPerSecond: 0, faults: {} });
    const received: Array<{ key: string | undefined; body: { workflowId: string } }> = [];
    let failuresLeft = 1;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (failuresLeft-- > 0) {
          res.writeHead(500).end();
          return;
        }
        received.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(body) as { workflowId: string } });
        res.writeHead(200).end('ok');
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    try {
      const { handle, workflowId } = await submitInference(temporal.client, payload({ callback: `http://127.0.0.1:${port}/civicos/results` }));
      await handle.result();
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ key: workflowId, body: { workflowId } });
    } finally {
      receiver.close();
    }
  });

  it('delivers a signal callback to the named workflow', async () => {
    sim.setOptions({ tokensPerSecond: 0, faults: {} });
    // A declared callback target (common/callback-targets.ts); the signal lands in its history.
    const targetId = uniqueId('signal-target');
    const target = await temporal.client.workflow.start<typeof inferenceCollector>('inferenceCollector', {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId: targetId,
      args: [{ expected: 1 }],
    });
    const { handle, workflowId } = await submitInference(temporal.client, payload({ callback: `signal:${targetId}/inferenceDone` }));
    const result = await handle.result();
    const history = await target.fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'inferenceDone');
    expect(signals).toHaveLength(1);
    const input = await decodedJson<{ workflowId: string; result: { text: string } }>(signals[0]!.workflowExecutionSignaledEventAttributes!.input!.payloads![0]);
    expect(input).toMatchObject({ workflowId, result: { text: result.text } });
    expect(await target.result()).toMatchObject([{ workflowId, result: { text: result.text } }]);
  });

  it('refuses 30+ bad payloads at submit, starting nothing in Temporal', async () => {
    const bad: unknown[] = [
      {}, null, 'text', [], payload({ priority: 'low' }), payload({ lane: 'experimental', priority: 'normal' }), payload({ max_tokens: 0 }),
      payload({ max_tokens: 99_999 }), payload({ callback: 'mailto:x@y' }), payload({ model: 'BAD MODEL' }), payload({ agent_id: '' }),
      payload({ calling_skill: 'has space' }), payload({ user_prompt: '' }), { ...payload(), extra: 1 }, payload({ temperature: -1 }),
      payload({ format: 'xml' as 'json' }), payload({ idempotency_key: 'x' }), payload({ task_class: 'UPPER' }), payload({ lane: 'both' as 'prod' }),
      payload({ priority: 'asap' as 'urgent' }), { ...payload(), max_tokens: '12' }, { ...payload(), system_prompt: 5 }, { ...payload(), lane: undefined },
      { ...payload(), callback: undefined }, payload({ experiment_tag: 'NOPE!' }), payload({ success_criteria: '' }),
      payload({ lane: 'experimental', priority: 'urgent', experiment_tag: 'exp-a', success_criteria: 'x' }), payload({ promotion: { approved_by: 'x', reason: 'y' } }),
      payload({ callback: 'signal:only-id' }), payload({ user_prompt: 'x'.repeat(70_000) }), payload({ max_tokens: 1.5 }),
    ];
    expect(bad.length).toBeGreaterThanOrEqual(30);
    const countBefore = (await temporal.client.workflow.count()).count;
    for (const input of bad) {
      const error = await submitInference(temporal.client, input).then(() => undefined, (e: unknown) => e);
      expect(error, JSON.stringify(input)?.slice(0, 120)).toBeInstanceOf(InvalidPayloadError);
      expect((error as InvalidPayloadError).problems.every((p) => /^[a-z_.A-Z]+: /.test(p))).toBe(true);
    }
    expect((await temporal.client.workflow.count()).count).toBe(countBefore);
  });

  it('a bad payload started directly (temporal CLI path) fails non-retryably with a typed name', async () => {
    const handle = await temporal.client.workflow.start('inferenceRequest', {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId: uniqueId('direct-bad'),
      args: [{ ...payload(), priority: 'low' }],
    });
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    const cause = failureCause(error);
    expect(cause?.type).toBe('InvalidInferencePayload');
    expect(cause?.nonRetryable).toBe(true);
    expect(cause?.message).toMatch(/priority: "low" is not allowed in lane prod/);
  });
});

describe('an unreachable model host', () => {
  let t2: TestTemporal;
  beforeAll(async () => {
    t2 = await connectTest({ namespace: 'test-inference-unreachable' });
  });
  afterAll(async () => {
    await t2?.close();
  });

  it('waits for a host that refuses connections, spending no retry, and serves the request when it comes up', async () => {
    const port = await freePort();
    const p2 = await startPlatform(t2, [{ name: 'late-host', url: `http://127.0.0.1:${port}`, slots: 1, simulated: true }]);
    let late: OllamaSimulator | undefined;
    try {
      const { handle, workflowId } = await submitInference(t2.client, payload());
      await eventually(async () => (await p2.ledger.read()).some((r) => r.workflowId === workflowId && r.outcome === 'host_down' && r.errorType === 'ModelHostDown'), { what: 'a host_down attempt in the ledger' });
      late = await startOllamaSimulator({ port, tokensPerSecond: 0 });
      const result = await handle.result();
      // The refused call was not a failed attempt: the call ran again as a new activity, first attempt.
      expect(result.attempts).toBe(1);
      expect(result.fallbacks).toEqual([]);
      const records = (await p2.ledger.read()).filter((r) => r.workflowId === workflowId);
      expect(records.filter((r) => r.outcome === 'error')).toEqual([]);
      expect(records.filter((r) => r.outcome === 'ok')).toHaveLength(1);
    } finally {
      await p2.stop();
      await late?.close();
    }
  });
});
