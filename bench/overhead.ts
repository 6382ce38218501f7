/**
 * npm run bench:overhead — platform overhead per inference and throughput with a zero-latency
 * model, side by side with direct `ollama` client calls to the same simulator, in one run.
 * Overhead = end-to-end time minus the simulator's own model time for that request.
 */
import { Ollama } from 'ollama';
import { submitInference } from '../client/submit-inference';
import { startOllamaSimulator, type GenerationRecord } from '../deploy/dev/ollama-simulator';
import { logger } from '../platform/logger';
import { runWorkers } from '../workers/run-workers';
import { benchTemporal, fmt, percentile, pool } from './support';

const LATENCY_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const THROUGHPUT_TOTAL = Number(process.env.BENCH_TOTAL ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 8);

const payload = (i: number, run: string) => ({
  agent_id: 'bench',
  calling_skill: 'overhead',
  model: 'local/qwen-14b',
  priority: 'high' as const,
  lane: 'prod' as const,
  system_prompt: '',
  user_prompt: `bench ${run} #${i}`,
  max_tokens: 16,
  callback: 'none',
  idempotency_key: `bench-${run}-${i}`,
});

function modelTime(record: GenerationRecord | undefined): number {
  return record && record.startedAt !== null && record.endedAt !== null ? record.endedAt - record.startedAt : 0;
}

async function main(): Promise<void> {
  const temporal = await benchTemporal();
  const sim = await startOllamaSimulator({ parallel: SLOTS, tokensPerSecond: 0, ttftMs: 0, maxQueue: 100_000 });
  const workers = await runWorkers({ env: temporal.env, logger: logger(), hosts: [{ name: 'bench-sim', url: sim.url, slots: SLOTS, simulated: true }] });
  const direct = new Ollama({ host: sim.url });
  const run = Date.now().toString(36);
  try {
    // Warm both paths (worker bundle, connections, JIT).
    for (let i = 0; i < 20; i++) {
      await (await submitInference(temporal.client, payload(i, `${run}-warm`))).handle.result();
      await direct.chat({ model: 'qwen3:14b', messages: [{ role: 'user', content: `warm ${i}` }], stream: true, options: { num_predict: 16 } }).then(async (s) => {
        for await (const _ of s);
      });
    }

    const platformOverhead: number[] = [];
    const directOverhead: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      let before = sim.records.length;
      let t0 = performance.now();
      await (await submitInference(temporal.client, payload(i, `${run}-lat`))).handle.result();
      platformOverhead.push(performance.now() - t0 - modelTime(sim.records[before]));

      before = sim.records.length;
      t0 = performance.now();
      const stream = await direct.chat({ model: 'qwen3:14b', messages: [{ role: 'user', content: `bench ${run} #${i}` }], stream: true, options: { num_predict: 16 } });
      for await (const _ of stream);
      directOverhead.push(performance.now() - t0 - modelTime(sim.records[before]));
    }

    let t0 = performance.now();
    await pool(THROUGHPUT_TOTAL, CONCURRENCY, async (i) => {
      await (await submitInference(temporal.client, payload(i, `${run}-tput`))).handle.result();
    });
    const platformRate = THROUGHPUT_TOTAL / ((performance.now() - t0) / 1000);

    t0 = performance.now();
    await pool(THROUGHPUT_TOTAL, CONCURRENCY, async (i) => {
      const stream = await direct.chat({ model: 'qwen3:14b', messages: [{ role: 'user', content: `tput ${run} #${i}` }], stream: true, options: { num_predict: 16 } });
      for await (const _ of stream);
    });
    const directRate = THROUGHPUT_TOTAL / ((performance.now() - t0) / 1000);

    const p50 = percentile(platformOverhead, 50);
    const p95 = percentile(platformOverhead, 95);
    const lines = [
      `bench:overhead — ${temporal.version}, simulator zero-latency, ${SLOTS} slots, ${LATENCY_SAMPLES} sequential samples, ${THROUGHPUT_TOTAL} inferences at concurrency ${CONCURRENCY}`,
      '',
      '| path | overhead p50 ms | overhead p95 ms | inferences/s |',
      '|---|---|---|---|',
      `| platform (submitInference → inferenceRequest workflow → lane activity → simulator) | ${fmt(p50)} | ${fmt(p95)} | ${fmt(platformRate)} |`,
      `| direct ollama client → simulator (baseline) | ${fmt(percentile(directOverhead, 50))} | ${fmt(percentile(directOverhead, 95))} | ${fmt(directRate)} |`,
      '',
      `goal overhead p50 ≤ 50 ms: ${p50 <= 50 ? 'met' : 'NOT met'} (${fmt(p50)} ms); goal ≥ 50 inferences/s: ${platformRate >= 50 ? 'met' : 'NOT met'} (${fmt(platformRate)}/s); ` +
        `platform/direct throughput ratio ${fmt(platformRate / directRate, 3)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await workers.shutdown();
    await sim.close();
    await temporal.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:overhead failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
