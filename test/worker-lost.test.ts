import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingStore } from '../stores/routing-store';
import { createInferenceActivities, FileLedger, type InferenceRecord } from '../activities';
import { submitInference } from '../client/submit-inference';
import { validateInferencePayload, type InferencePayloadInput } from '../common/contract';
import type { InferenceResult } from '../common/inference';
import { logger } from '../platform/logger';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startPlatform } from './support/platform';
import { connectTest, decodedJson, eventually, uniqueId, type TestTemporal } from './support/temporal';
import { startInferenceProcess, stopProcess } from './support/worker-process';

const request = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  agent_id: 'crash-test',
  calling_skill: 'crash',
  model: 'local/qwen-14b',
  priority: 'high',
  lane: 'prod',
  system_prompt: '',
  user_prompt: `crash ${uniqueId('c')}`,
  max_tokens: 120,
  callback: 'none',
  ...overrides,
});

describe('an inference worker killed mid-generation (SIGKILL)', () => {
  let temporal: TestTemporal;
  let sim: OllamaSimulator;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let child: ChildProcess | undefined;
  let survivor: Awaited<ReturnType<typeof startPlatform>> | undefined;
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-worker-lost' });
    sim = await startOllamaSimulator({ parallel: 1, tokensPerSecond: 10, ttftMs: 0 });
    // Workflows here; the first inference worker in a child process that the test kills.
    platform = await startPlatform(temporal, []);
  });
  afterAll(async () => {
    await stopProcess(child);
    await survivor?.workers.shutdown();
    await platform?.stop();
    await sim?.close();
    await temporal?.close();
  });

  it('its attempt is recorded worker_lost by the retry, and the tokens of the answer are counted once', async () => {
    child = await startInferenceProcess(temporal, [{ name: 'doomed-host', url: sim.url, slots: 1 }], platform.env.dataDir);
    const { handle, workflowId } = await submitInference(temporal.client, request());
    const heartbeat = await eventually(async () => {
      const details = await decodedJson<{ outputTokens: number }>((await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]);
      return details && details.outputTokens >= 3 ? details : undefined;
    }, { what: 'tokens streaming in the child worker' });
    await stopProcess(child, 'SIGKILL');
    sim.setOptions({ tokensPerSecond: 0 });
    // A second worker (same ledger) takes the retry once the heartbeat timeout notices the dead one.
    survivor = await startPlatform(temporal, [{ name: 'survivor-host', url: sim.url, slots: 1, simulated: true }], { workflows: false, dataDir: platform.env.dataDir });
    const result = await handle.result();
    expect(result.attempts).toBe(2);
    expect(result.host).toBe('survivor-host');

    const lines = (await platform.ledger.read()).filter((r) => r.workflowId === workflowId);
    expect(lines.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'worker_lost'],
      [2, 'ok'],
    ]);
    const lost = lines[0]!;
    expect(lost).toMatchObject({ host: 'doomed-host', errorType: 'WorkerLost', activityId: lines[1]!.activityId });
    expect(lost.outputTokens).toBeGreaterThanOrEqual(heartbeat.outputTokens);
    // Tokens of the answer: counted once, on the one ok line.
    const counted = lines.filter((r) => r.outcome === 'ok').reduce((sum, r) => sum + r.outputTokens, 0);
    expect(counted).toBe(result.outputTokens);
  }, 120_000);
});

describe('a retry whose earlier attempt completed (the result was lost on its way to the server)', () => {
  let sim: OllamaSimulator;
  let dataDir: string;
  beforeAll(async () => {
    sim = await startOllamaSimulator({ tokensPerSecond: 0 });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-dup-'));
  });
  afterAll(async () => {
    await sim?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('records its completion as duplicate of that attempt, so totals count the tokens once', async () => {
    const ledger = new FileLedger(dataDir);
    const payload = validateInferencePayload(request({ max_tokens: 12 }));
    if (!payload.ok) throw new Error(payload.problems.join('; '));
    const workflowId = uniqueId('dup-wf');
    const first: InferenceRecord = {
      ts: new Date().toISOString(), workflowId, activityId: '7', attempt: 1, lane: 'prod', priority: 'high', agentId: 'crash-test', callingSkill: 'crash', taskClass: 'general',
      requestedModel: 'local/qwen-14b', model: 'qwen3:14b', host: 'h', simulated: true, queueWaitMs: 0, latencyMs: 10, promptTokens: 5, outputTokens: 12, tokensPerSecond: 0, doneReason: 'length', outcome: 'ok', errorType: null,
    };
    await ledger.append(first);
    const activities = createInferenceActivities({ host: { name: 'h', url: sim.url, slots: 1, simulated: true }, ledger, logger: logger(), routing: new RoutingStore(dataDir) });
    const env = new MockActivityEnvironment({ attempt: 2, activityId: '7' });
    const result: InferenceResult = await env.run(activities.runInference, { request: payload.value, workflowId });
    const lines = (await ledger.read()).filter((r) => r.workflowId === workflowId);
    expect(lines.map((r) => [r.attempt, r.outcome, r.duplicateOf])).toEqual([
      [1, 'ok', undefined],
      [2, 'duplicate', 1],
    ]);
    expect(lines[1]!.outputTokens).toBe(result.outputTokens);
    expect(lines.filter((r) => r.outcome === 'ok').reduce((sum, r) => sum + r.outputTokens, 0)).toBe(12);
  });
});
