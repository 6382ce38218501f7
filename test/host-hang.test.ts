import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { TINY_MODEL } from '../deploy/ollama/real-ollama';
import { startAlertReceiver } from './support/alert-receiver';
import { startPlatform } from './support/platform';
import { startRealOllamaTarget, type RealOllamaTarget } from './support/real-ollama';
import { connectTest, decodedJson, eventually, uniqueId, type TestTemporal } from './support/temporal';
import { startSimulatorProcess, stopProcess } from './support/worker-process';
import { inferencePayload } from './support/fixtures';

const payload = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput =>
  inferencePayload({
    agent_id: 'hang-test',
    calling_skill: 'hang',
    model: 'local/qwen-14b',
    priority: 'high',
    lane: 'prod',
    system_prompt: '',
    user_prompt: `hang ${uniqueId('h')}`,
    max_tokens: 200,
    callback: 'none',
    ...overrides,
  });

type Platform = Awaited<ReturnType<typeof startPlatform>>;

/** Submits a long generation, waits for tokens, SIGSTOPs the host's process group; returns how long until the ledger shows the stall. */
async function stopMidGeneration(temporal: TestTemporal, platform: Platform, pid: number, request: InferencePayloadInput) {
  const { handle, workflowId } = await submitInference(temporal.client, request);
  await eventually(async () => {
    const details = await decodedJson<{ outputTokens: number }>((await handle.describe()).raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]);
    return details && details.outputTokens > 0;
  }, { what: 'tokens streaming', timeoutMs: 60_000 });
  process.kill(-pid, 'SIGSTOP');
  const stoppedAt = Date.now();
  const stall = await eventually(async () => (await platform.ledger.read()).find((r) => r.workflowId === workflowId && r.outcome !== 'ok'), { what: 'the stalled attempt in the ledger', timeoutMs: 60_000 });
  return { handle, workflowId, stall, detectedMs: Date.now() - stoppedAt };
}

describe('a hung host (simulator process SIGSTOPped mid-generation)', () => {
  let temporal: TestTemporal;
  let platform: Platform;
  let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;
  let sim: { child: ChildProcess; url: string };
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-host-hang' });
    receiver = await startAlertReceiver();
    // Its own process group, so the test stops exactly this simulator.
    sim = await startSimulatorProcess(['--tokens-per-second', '10', '--parallel', '1']);
    platform = await startPlatform(temporal, [{ name: 'hang-host', url: sim.url, slots: 1, simulated: true }], { envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url } });
  });
  afterAll(async () => {
    await platform?.stop();
    await stopProcess(sim?.child);
    await receiver?.close();
    await temporal?.close();
  });

  it('is noticed within 30 s, recorded as timeout (not cancelled), alerted, and the request completes once the host runs again', async () => {
    const { handle, workflowId, stall, detectedMs } = await stopMidGeneration(temporal, platform, sim.child.pid!, payload());
    console.info(`[figures] simulator SIGSTOPped mid-generation: stall recorded after ${detectedMs} ms`);
    expect(detectedMs).toBeLessThan(30_000);
    expect(stall).toMatchObject({ outcome: 'timeout', errorType: 'ModelHostDown', host: 'hang-host' });
    expect(stall.outputTokens).toBeGreaterThan(0);
    await eventually(() => receiver.alerts.find((a) => a.kind === 'model_host_down' && a.subject === 'hang-host'), { what: 'model_host_down alert' });
    process.kill(-sim.child.pid!, 'SIGCONT');
    const result = await handle.result();
    expect(result.fallbacks).toEqual([]);
    const lines = (await platform.ledger.read()).filter((r) => r.workflowId === workflowId);
    expect(lines.filter((r) => r.outcome === 'cancelled')).toEqual([]);
    expect(lines.filter((r) => r.outcome === 'ok')).toHaveLength(1);
    await eventually(() => receiver.alerts.find((a) => a.kind === 'model_host_recovered' && a.subject === 'hang-host'), { what: 'recovery notice' });
  }, 120_000);
});

describe('a call with no first token in time on a host that still answers', () => {
  let temporal: TestTemporal;
  let platform: Platform;
  let sim: OllamaSimulator;
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-first-token' });
    sim = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
    platform = await startPlatform(temporal, [{ name: 'slow-host', url: sim.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_FIRST_TOKEN_TIMEOUT_S: '2' } });
  });
  afterAll(async () => {
    await platform?.stop();
    await sim?.close();
    await temporal?.close();
  });

  it('ends the attempt at the first-token deadline as timeout and retries it', async () => {
    sim.setOptions({ faults: { hang: true } });
    const { handle, workflowId } = await submitInference(temporal.client, payload({ max_tokens: 8 }));
    const stall = await eventually(async () => (await platform.ledger.read()).find((r) => r.workflowId === workflowId && r.outcome === 'timeout'), { what: 'a timeout line' });
    expect(stall).toMatchObject({ errorType: 'ModelTimeout', attempt: 1 });
    expect(stall.latencyMs).toBeGreaterThanOrEqual(2_000);
    expect(stall.latencyMs).toBeLessThan(10_000);
    sim.setOptions({ faults: { hang: false } });
    const result = await handle.result();
    expect(result.attempts).toBe(2);
    expect(result.fallbacks).toEqual([]);
  }, 60_000);
});

describe('a hung real Ollama (SIGSTOP)', () => {
  let target: RealOllamaTarget;
  let temporal: TestTemporal;
  let platform: Platform | undefined;
  beforeAll(async () => {
    target = await startRealOllamaTarget();
    if (!target.server) return;
    temporal = await connectTest({ namespace: 'test-host-hang-real' });
    platform = await startPlatform(temporal, [{ name: 'real-host', url: target.server.url, slots: 2, simulated: false }]);
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
    if (target?.server) {
      process.kill(-target.server.pid, 'SIGCONT');
      await target.server.stop();
    }
    await temporal?.close();
  });

  it('is noticed within 30 s and the request completes after SIGCONT', async (context) => {
    if (!target.server || !platform) return context.skip(target.skipReason);
    const server = target.server;
    const { handle, stall, detectedMs } = await stopMidGeneration(temporal, platform, server.pid, payload({ model: TINY_MODEL, max_tokens: 1500, temperature: 0.8, user_prompt: `Write a long story about a lighthouse keeper. ${uniqueId('r')}` }));
    console.info(`[figures] real Ollama SIGSTOPped mid-generation: stall recorded after ${detectedMs} ms`);
    expect(detectedMs).toBeLessThan(30_000);
    expect(stall.outcome).toBe('timeout');
    process.kill(-server.pid, 'SIGCONT');
    const result = await handle.result();
    expect(result.host).toBe('real-host');
  }, 180_000);
});
