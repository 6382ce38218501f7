import { Client } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../activities/alerts';
import { resolveAdmission } from '../client/admission';
import { QueueFullError, submitInference, type SubmitOptions } from '../client/submit-inference';
import { admittedCount } from '../platform/lane-admin';
import { inferencePayload } from './support/fixtures';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

/**
 * Admission without a visibility count per submit: each client keeps the lane's count and adds its
 * own admits. No worker polls this file's namespace, so admitted requests stay Running until a
 * test terminates them. Each test uses fresh Clients (the count is kept per client), and spies on
 * `client.workflow.count` to see which submits read visibility; the server is real.
 */
let temporal: TestTemporal;
const alerts: Alert[] = [];
const sink = { send: async (alert: Alert) => void alerts.push(alert) };

/** A client of its own, as a separate process would have, with its visibility count reads recorded. */
function processClient(): { client: Client; countReads: () => number } {
  const client = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter });
  const count = vi.spyOn(client.workflow, 'count');
  return { client, countReads: () => count.mock.calls.filter(([query]) => String(query).startsWith('ExecutionStatus = "Running" AND Lane')).length };
}

const options = (cap: number, more: Partial<SubmitOptions> = {}): SubmitOptions => ({
  policy: { capProd: cap, capExperimental: 1000, experimentalTtlSeconds: 3600 },
  alerts: sink,
  countRefreshMs: 60_000,
  ...more,
});

const request = (text = uniqueId('req')) => inferencePayload({ agent_id: 'admission-test', calling_skill: 'cap', user_prompt: text, max_tokens: 4 });

const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (e: unknown) => e);

const visibleAdmitted = (n: number) => eventually(async () => (await admittedCount(temporal.client, 'prod')) === n, { what: `visibility to show ${n} admitted` });

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-admission-count' });
});
afterEach(async () => {
  for await (const run of temporal.client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    await temporal.client.workflow.getHandle(run.workflowId, run.runId).terminate('admission test cleanup').catch(() => undefined);
  }
  await visibleAdmitted(0);
  alerts.length = 0;
});
afterAll(async () => {
  await temporal?.close();
});

describe('admission reads the lane count from visibility at most once per refresh interval', () => {
  it('sequential submits in one process read it once; countRefreshMs 0 reads it again', async () => {
    const { client, countReads } = processClient();
    const submitted = [];
    for (let i = 0; i < 10; i++) submitted.push(await submitInference(client, request(), options(100)));
    expect(new Set(submitted.map((s) => s.workflowId)).size).toBe(10);
    expect(countReads()).toBe(1);
    await submitInference(client, request(), options(100, { countRefreshMs: 0 }));
    expect(countReads()).toBe(2);
    await visibleAdmitted(11);
  });

  it('concurrent submits in one process are counted exactly: a burst of 5 against cap 3 admits 3', async () => {
    const { client } = processClient();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => refusal(submitInference(client, request(), options(3)))));
    expect(outcomes.filter((o) => o === undefined)).toHaveLength(3);
    expect(outcomes.filter((o) => o instanceof QueueFullError)).toHaveLength(2);
    await visibleAdmitted(3);
    expect(alerts.filter((a) => a.kind === 'queue_full')).toHaveLength(2);
  });
});

describe('a refusal rests on a fresh count', () => {
  it('work that finished since the last read frees the cap; at the cap the refusal names the true count; a duplicate attaches', async () => {
    const { client, countReads } = processClient();
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await submitInference(client, request(), options(3)));
    expect(countReads()).toBe(1);
    // Two finish behind this process's back: its kept count (3) is now wrong.
    await Promise.all(first.slice(0, 2).map((s) => s.handle.terminate('finished elsewhere')));
    await visibleAdmitted(1);

    // The kept count says the cap is reached; the re-read says 1: admitted, not refused.
    await submitInference(client, request(), options(3));
    expect(countReads()).toBe(2);
    await visibleAdmitted(2);
    await submitInference(client, request(), options(3));
    expect(countReads()).toBe(2);
    await visibleAdmitted(3);

    const refused = await refusal(submitInference(client, request(), options(3)));
    expect(countReads()).toBe(3);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect(refused).toMatchObject({ admitted: 3, cap: 3 });
    expect(alerts).toEqual([expect.objectContaining({ kind: 'queue_full', lane: 'prod', details: expect.objectContaining({ admitted: 3, cap: 3 }) })]);

    // A duplicate of admitted work is never refused, at the cap or not.
    const keyed = { ...request(), idempotency_key: uniqueId('admission-dup') };
    const duplicateKey = await submitInference(client, keyed, options(4));
    const duplicate = await submitInference(client, keyed, options(3));
    expect(duplicate.workflowId).toBe(duplicateKey.workflowId);
    expect(duplicate.runId).toBe(duplicateKey.runId);
    await visibleAdmitted(4);
  });
});

describe('overshoot bound: another process is seen at this process’s next read', () => {
  it('the lane passes its cap by at most what other processes admitted since this one read, and no further', async () => {
    const b = processClient();
    const a = processClient();
    await submitInference(b.client, request(), options(3));
    await visibleAdmitted(1);

    // A reads (1) and fills the lane to its cap; its next submit re-reads and is refused.
    await submitInference(a.client, request(), options(3));
    await submitInference(a.client, request(), options(3));
    await visibleAdmitted(3);
    expect(await refusal(submitInference(a.client, request(), options(3)))).toMatchObject({ admitted: 3 });

    // B last read before A's 2 admits: it admits up to its own view (1 + 2 of its own), unseen A's work on top.
    await submitInference(b.client, request(), options(3));
    await submitInference(b.client, request(), options(3));
    expect(b.countReads()).toBe(1);
    await visibleAdmitted(5);
    // Its own admits are counted: at its view's cap it re-reads, sees everything, and refuses.
    const refused = await refusal(submitInference(b.client, request(), options(3)));
    expect(b.countReads()).toBe(2);
    expect(refused).toMatchObject({ admitted: 5, cap: 3 });
    expect(await admittedCount(temporal.client, 'prod')).toBe(3 + 2);
  });
});

describe('defaults', () => {
  it('a submit without a policy reads the environment once per process, not per submit', () => {
    const first = resolveAdmission({});
    const second = resolveAdmission({});
    expect(second.policy).toBe(first.policy);
    expect(first.countRefreshMs).toBeUndefined();
  });
});
