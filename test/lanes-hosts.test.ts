import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHostSlots } from '../stores/host-slots';
import { submitInference } from '../client/submit-inference';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';
import { startInferenceProcess, stopProcess } from './support/worker-process';

let temporal: TestTemporal;
let platform: Awaited<ReturnType<typeof startPlatform>>;
const sims: OllamaSimulator[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-lanes-hosts' });
  for (let i = 0; i < 2; i++) sims.push(await startOllamaSimulator({ parallel: 1, tokensPerSecond: 25, ttftMs: 0 }));
  // Workflows run here; inference runs only in the two child processes.
  platform = await startPlatform(temporal, []);
  children.push(...(await Promise.all(sims.map((sim, i) => startInferenceProcess(temporal, [{ name: `gpu-${i}`, url: sim.url, slots: 1 }], platform.env.dataDir)))));
});
afterAll(async () => {
  await Promise.all(children.map((child) => stopProcess(child)));
  await platform?.stop();
  for (const sim of sims) await sim.close();
  await temporal?.close();
});

describe('two inference worker processes on two hosts', () => {
  it('share the lanes: both hosts serve, neither exceeds its slots, every request runs once', async () => {
    const submissions = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        submitInference(temporal.client, {
          agent_id: 'hosts-test',
          calling_skill: 'spread',
          model: 'local/qwen-14b',
          priority: i % 2 ? 'high' : 'urgent',
          lane: 'prod',
          system_prompt: '',
          user_prompt: `spread ${uniqueId('h')}`,
          max_tokens: 10,
          callback: 'none',
        }),
      ),
    );
    const results = await Promise.all(submissions.map((s) => s.handle.result()));
    expect(new Set(results.map((r) => r.host))).toEqual(new Set(['gpu-0', 'gpu-1']));
    const completed = sims.map((sim) => sim.stats().completed);
    expect(completed[0]! + completed[1]!).toBe(8);
    expect(sims.map((sim) => sim.stats().maxActive)).toEqual([1, 1]);
    // Both processes publish their slots for `civicos queue status`.
    await eventually(() => readHostSlots(platform.env.dataDir).length === 2, { what: 'two hosts reporting slots' });
  });
});
