import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptingDataConverter, parseCodecKeys } from '../platform/codec';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

/**
 * A worker that lacks the key a payload was encrypted with does not guess or run on garbage: its
 * workflow task fails with the key id and the fix, visible in history, and nothing runs until a
 * worker with the key (e.g. after a rotation kept the old key listed) picks the task up.
 */
let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTest();
});
afterAll(async () => temporal?.close());

const key = (fill: number): string => Buffer.alloc(32, fill).toString('base64');

describe('payload keys across processes (real Temporal)', () => {
  it('an unknown key id fails the workflow task with a clear error; a rotated worker that still lists the old key runs it', { timeout: 120_000 }, async () => {
    const taskQueue = uniqueId('codec-keys');
    const workflowId = uniqueId('codec-keys-wf');
    // Started by the test client (key "test-1"); the input is invalid on purpose, so the run ends fast once decoded.
    const handle = await temporal.client.workflow.start('inferenceRequest', { taskQueue, workflowId, args: [{ not: 'a payload' }] });
    const stranger = await Worker.create({
      connection: temporal.native,
      namespace: temporal.namespace,
      taskQueue,
      workflowBundle: temporal.workflowBundle,
      dataConverter: encryptingDataConverter(parseCodecKeys(JSON.stringify({ current: 'other-1', keys: { 'other-1': key(9) } }))),
    });
    const failure = await stranger.runUntil(() =>
      eventually(async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        return events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure?.message ?? undefined;
      }, { what: 'a failed workflow task', timeoutMs: 60_000 }),
    );
    expect(failure).toMatch(/payload encrypted with key id "test-1", which this process does not have \(it has: other-1\)\. Fix: add that key to CIVICOS_CODEC_KEYS/);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // Rotation: the new key encrypts, the old one is still listed, so the old payloads decrypt.
    const rotatedKeys = encryptingDataConverter(parseCodecKeys(JSON.stringify({ current: 'other-1', keys: { 'other-1': key(9), 'test-1': Buffer.alloc(32, 7).toString('base64') } })));
    const rotated = await Worker.create({ connection: temporal.native, namespace: temporal.namespace, taskQueue, workflowBundle: temporal.workflowBundle, dataConverter: rotatedKeys });
    const reader = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, dataConverter: rotatedKeys });
    const outcome = await rotated.runUntil(reader.workflow.getHandle(workflowId).result().then(() => 'completed', (error: Error) => (error.cause instanceof Error ? error.cause.message : error.message)));
    expect(outcome).toMatch(/invalid inference payload/);
  });
});
