import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitInference } from '../client/submit-inference';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { freePort } from '../deploy/temporal/dev-server';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

/** The Prometheus endpoint of a real worker process (`civicos worker --role inference`) serves our metrics. */
const root = path.resolve(__dirname, '..');
let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let child: ChildProcess | undefined;
let metricsUrl: string;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-metrics' });
  sim = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
  platform = await startPlatform(temporal, []);
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  child = spawn(process.execPath, [path.join(root, 'bin', 'civicos.js'), 'worker', '--role', 'inference'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      CIVICOS_DATA_DIR: platform.env.dataDir,
      CIVICOS_METRICS_PORT: String(port),
      CIVICOS_LOG_LEVEL: 'warn',
      CIVICOS_MODEL_HOSTS: JSON.stringify([{ name: 'metrics-host', url: sim.url, slots: 2 }]),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child!.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('workers running')) resolve();
    });
    child!.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
  }
  await platform?.stop();
  await sim?.close();
  await temporal?.close();
});

describe('metrics endpoint', () => {
  it('GET /metrics shows the civicos_* inference metrics after an inference', async () => {
    const { handle } = await submitInference(temporal.client, {
      agent_id: 'metrics-test',
      calling_skill: 'scrape',
      model: 'qwen3:14b',
      priority: 'high',
      lane: 'prod',
      system_prompt: '',
      user_prompt: `count me ${uniqueId('m')}`,
      max_tokens: 8,
      callback: 'none',
    });
    expect((await handle.result()).host).toBe('metrics-host');
    const text = await eventually(async () => {
      const body = await (await fetch(metricsUrl)).text();
      return /civicos_requests_total\{[^}]*\} 1/.test(body) ? body : undefined;
    }, { what: 'civicos_requests_total on the metrics endpoint' });
    expect(text).toMatch(/civicos_requests_total\{[^}]*lane="prod"[^}]*host="metrics-host"[^}]*outcome="ok"[^}]*\} 1/);
    expect(text).toMatch(/civicos_queue_wait_seconds_count\{[^}]*lane="prod"[^}]*\} 1/);
    expect(text).toMatch(/civicos_model_latency_seconds_count\{[^}]*host="metrics-host"[^}]*\} 1/);
    expect(text).toMatch(/civicos_tokens_total\{[^}]*kind="output"[^}]*\} [1-9]/);
    // One family of inference metrics: the ledger's (the activity once kept a second, undocumented one).
    expect(text).not.toMatch(/civicos_inference_/);
  });
});
