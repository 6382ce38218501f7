import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPromotionGate } from '../client/promotion';
import type { PromotionProgress } from '../common/promotion/gate';
import { DEFAULT_MODELS, startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startPlatform } from './support/platform';
import { scriptedJudge, scriptedModel, testBattery } from './support/promotion-scripts';
import { connectTest, eventually, type TestTemporal } from './support/temporal';
import { startPlatformProcess, stopProcess } from './support/worker-process';

describe('a worker killed mid-battery (SIGKILL)', () => {
  let temporal: TestTemporal;
  let sim: OllamaSimulator;
  let child: ChildProcess | undefined;
  let survivor: Awaited<ReturnType<typeof startPlatform>> | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-promo-crash-'));
  beforeAll(async () => {
    temporal = await connectTest({ namespace: 'test-promotion-crash' });
    sim = await startOllamaSimulator({
      parallel: 2,
      tokensPerSecond: 0,
      ttftMs: 5,
      capturePrompts: true,
      models: [...DEFAULT_MODELS, 'cand-better:7b'],
      scripted: { 'qwen3:14b': scriptedModel('weak', 60), 'mistral-small3.2:24b': scriptedJudge, 'cand-better:7b': scriptedModel('strong', 120) },
    });
  });
  afterAll(async () => {
    await stopProcess(child);
    await survivor?.stop();
    await sim?.close();
    await temporal?.close();
  });

  it('resumes on another worker without re-running the tasks it had finished', async () => {
    const hosts = [{ name: 'promo-crash-host', url: sim.url, slots: 2 }];
    child = await startPlatformProcess(temporal, hosts, dataDir);
    let progress: PromotionProgress | undefined;
    const running = runPromotionGate(temporal.client, {
      alias: 'local/qwen-14b',
      candidate: { provider: 'ollama-local', model: 'cand-better:7b' },
      battery: testBattery,
      runs: 1,
      tasks: 6,
      judge: 'local/mistral-small',
      apply: false,
      requestedBy: 'crash-test',
    }, { pollMs: 100, onProgress: (p) => (progress = p) });
    await eventually(() => (progress?.done ?? 0) >= 2, { what: 'two tasks finished in the child', timeoutMs: 120_000 });
    await stopProcess(child, 'SIGKILL');
    const finished = progress!.tasks.map((t) => t.taskId);
    const requestsFor = (taskId: string): number => {
      const task = testBattery.tasks.find((t) => t.id === taskId)!;
      return sim.records.filter((r) => r.prompt?.includes(task.user_prompt)).length;
    };
    const before = Object.fromEntries(finished.map((id) => [id, requestsFor(id)]));
    const totalBefore = sim.records.length;
    expect(finished.length).toBeLessThan(6);
    // Incumbent, candidate and the judge's two orders: 4 model calls per finished task.
    for (const id of finished) expect(before[id]).toBe(4);

    survivor = await startPlatform(temporal, hosts.map((h) => ({ ...h, simulated: true })), { dataDir });
    const { report } = await running;
    expect(report.tasks).toHaveLength(6);
    expect(report.verdict).toBe('pass');
    for (const id of finished) expect(requestsFor(id), `task ${id} was run again after the crash`).toBe(before[id]);
    // The survivor ran the rest (and the rollback test's smokes).
    expect(sim.records.length).toBeGreaterThan(totalBefore);
    for (const task of report.tasks) expect(task.candidate.runs.every((r) => r.completed)).toBe(true);
  }, 300_000);
});
