import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHostSlots } from '../client/queue-admin';
import { submitInference } from '../client/submit-inference';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

const root = path.resolve(__dirname, '..');
let temporal: TestTemporal;
let platform: Awaited<ReturnType<typeof startPlatform>>;
const sims: OllamaSimulator[] = [];
const children: ChildProcess[] = [];

/** An inference-only worker process (`civicos worker --role inference`) for one model host. */
function inferenceProcess(host: { name: string; url: string; slots: number }, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'client/cli.ts'), 'worker', '--role', 'inference'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      CIVICOS_DATA_DIR: dataDir,
      CIVICOS_METRICS_PORT: '0',
      CIVICOS_LOG_LEVEL: 'warn',
      CIVICOS_MODEL_HOSTS: JSON.stringify([host]),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('workers running')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`inference worker for ${host.name} exited with ${code}`)));
  });
}

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-lanes-hosts' });
  for (let i = 0; i < 2; i++) sims.push(await startOllamaSimulator({ parallel: 1, tokensPerSecond: 25, ttftMs: 0 }));
  // Workflows run here; inference runs only in the two child processes.
  platform = await startPlatform(temporal, []);
  await Promise.all(sims.map((sim, i) => inferenceProcess({ name: `gpu-${i}`, url: sim.url, slots: 1 }, platform.env.dataDir)));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
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
