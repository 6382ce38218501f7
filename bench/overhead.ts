/**
 * npm run bench:overhead — platform overhead per inference and throughput with a zero-latency
 * model, in one run, against two baselines on the same machine and server:
 *   - the fair floor: a bare Temporal workflow running one no-op activity (no validation,
 *     routing, admission or ledger), on its own worker beside the platform's;
 *   - direct `ollama` client calls to the same simulator (no durability at all).
 * Overhead = end-to-end time minus the simulator's own model time for that request. The platform's
 * and the bare workflow's time is broken down by step from history timestamps.
 */
import { Ollama } from 'ollama';
import { submitInference } from '../client/submit-inference';
import { startOllamaSimulator, type GenerationRecord } from '../deploy/dev/ollama-simulator';
import { logger } from '../platform/logger';
import { runWorkers } from '../workers/run-workers';
import { dataConverterFor } from '../platform/codec';
import { breakdown, breakdownTable, type Breakdown, type Timing } from './breakdown';
import { BARE_ACTIVITY_QUEUE, BARE_TASK_QUEUE, runBareWorker } from './bare/worker';
import { benchTemporal, fmt, percentile, pool } from './support';

const LATENCY_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const THROUGHPUT_TOTAL = Number(process.env.BENCH_TOTAL ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
/** Throughput is measured in this many rounds, the paths taking turns (first one way round, then the other), so drift in the machine's load hits all alike. */
const THROUGHPUT_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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
  const bare = await runBareWorker(temporal.env.temporalAddress, temporal.env.namespace, dataConverterFor(temporal.env));
  const direct = new Ollama({ host: sim.url });
  const run = Date.now().toString(36);

  const platformCall = async (i: number, tag: string): Promise<Timing> => {
    const t0 = performance.now();
    const submission = await submitInference(temporal.client, payload(i, `${run}-${tag}`));
    const submitted = performance.now();
    await submission.handle.result();
    return { workflowId: submission.workflowId, t0: toWall(t0), submitted: toWall(submitted), resulted: toWall(performance.now()) };
  };
  const bareCall = async (i: number, tag: string, activityQueue?: string): Promise<Timing> => {
    const t0 = performance.now();
    const args: [string, string?] = activityQueue ? [`bench ${run} #${i}`, activityQueue] : [`bench ${run} #${i}`];
    const handle = await temporal.client.workflow.start('bareRequest', { taskQueue: BARE_TASK_QUEUE, workflowId: `bare-${run}-${tag}${activityQueue ? '-q' : ''}-${i}`, args });
    const submitted = performance.now();
    await Promise.race([handle.result(), bare.stopped]);
    return { workflowId: handle.workflowId, t0: toWall(t0), submitted: toWall(submitted), resulted: toWall(performance.now()) };
  };
  const directCall = async (i: number, tag: string): Promise<void> => {
    const stream = await direct.chat({ model: 'qwen3:14b', messages: [{ role: 'user', content: `${tag} ${run} #${i}` }], stream: true, options: { num_predict: 16 } });
    for await (const _ of stream);
  };

  try {
    // Warm every path (worker bundles, connections, JIT).
    for (let i = 0; i < 20; i++) {
      await platformCall(i, 'warm');
      await bareCall(i, 'warm');
      await bareCall(i, 'warm', BARE_ACTIVITY_QUEUE);
      await directCall(i, 'warm');
    }

    // Sequential latency, the three paths interleaved so drift in the machine's load hits all alike.
    const platformOverhead: number[] = [];
    const bareLatency: number[] = [];
    const directOverhead: number[] = [];
    const platformTimings: Timing[] = [];
    const bareTimings: Timing[] = [];
    const bareQueueLatency: number[] = [];
    const bareQueueTimings: Timing[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      let before = sim.records.length;
      const timing = await platformCall(i, 'lat');
      platformTimings.push(timing);
      platformOverhead.push(timing.resulted - timing.t0 - modelTime(sim.records[before]));

      const bareTiming = await bareCall(i, 'lat');
      bareTimings.push(bareTiming);
      bareLatency.push(bareTiming.resulted - bareTiming.t0);

      const bareQueueTiming = await bareCall(i, 'lat', BARE_ACTIVITY_QUEUE);
      bareQueueTimings.push(bareQueueTiming);
      bareQueueLatency.push(bareQueueTiming.resulted - bareQueueTiming.t0);

      before = sim.records.length;
      const t0 = performance.now();
      await directCall(i, 'lat');
      directOverhead.push(performance.now() - t0 - modelTime(sim.records[before]));
    }
    const platformSteps: Breakdown[] = [];
    const bareSteps: Breakdown[] = [];
    for (const timing of platformTimings) platformSteps.push(await breakdown(temporal.client, timing));
    for (const timing of bareTimings) bareSteps.push(await breakdown(temporal.client, timing));
    const bareQueueSteps: Breakdown[] = [];
    for (const timing of bareQueueTimings) bareQueueSteps.push(await breakdown(temporal.client, timing));

    // Each path's rate: its requests over its time, summed across rounds of THROUGHPUT_TOTAL / rounds each.
    const paths = {
      platform: (i: number) => platformCall(i, 'tput'),
      bare: (i: number) => bareCall(i, 'tput'),
      bareQueue: (i: number) => bareCall(i, 'tput', BARE_ACTIVITY_QUEUE),
      direct: (i: number) => directCall(i, 'tput'),
    };
    const spent = { platform: 0, bare: 0, bareQueue: 0, direct: 0 };
    const perRound = Math.max(1, Math.round(THROUGHPUT_TOTAL / THROUGHPUT_ROUNDS));
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      const order = Object.keys(paths) as Array<keyof typeof paths>;
      if (round % 2 === 1) order.reverse();
      for (const path of order) {
        const t0 = performance.now();
        await pool(perRound, CONCURRENCY, async (i) => {
          await paths[path](round * perRound + i);
        });
        spent[path] += performance.now() - t0;
      }
    }
    const rateOf = (path: keyof typeof paths): number => (perRound * THROUGHPUT_ROUNDS) / (spent[path] / 1000);
    const platformRate = rateOf('platform');
    const bareRate = rateOf('bare');
    const bareQueueRate = rateOf('bareQueue');
    const directRate = rateOf('direct');

    const p50 = percentile(platformOverhead, 50);
    const p95 = percentile(platformOverhead, 95);
    const bareP50 = percentile(bareLatency, 50);
    const lines = [
      `bench:overhead — ${temporal.version}, simulator zero-latency, ${SLOTS} slots, ${LATENCY_SAMPLES} sequential samples, ${perRound * THROUGHPUT_ROUNDS} requests per path at concurrency ${CONCURRENCY} in ${THROUGHPUT_ROUNDS} alternating rounds`,
      '',
      '| path | overhead p50 ms | overhead p95 ms | requests/s |',
      '|---|---|---|---|',
      `| platform (submitInference → inferenceRequest workflow → lane activity → simulator) | ${fmt(p50)} | ${fmt(p95)} | ${fmt(platformRate)} |`,
      `| bare Temporal: one workflow, one no-op activity (the floor for a durable request) | ${fmt(bareP50)} | ${fmt(percentile(bareLatency, 95))} | ${fmt(bareRate)} |`,
      `| bare Temporal, the activity on its own task queue (as a lane queue is; no eager dispatch) | ${fmt(percentile(bareQueueLatency, 50))} | ${fmt(percentile(bareQueueLatency, 95))} | ${fmt(bareQueueRate)} |`,
      `| direct ollama client → simulator (no durability) | ${fmt(percentile(directOverhead, 50))} | ${fmt(percentile(directOverhead, 95))} | ${fmt(directRate)} |`,
      '',
      ...breakdownTable([
        { name: 'platform', rows: platformSteps },
        { name: 'bare', rows: bareSteps },
        { name: 'bare, activity queue', rows: bareQueueSteps },
      ]),
      '',
      `platform / bare: overhead p50 ${fmt(p50 / bareP50, 2)}× (goal ≤ 1.5×: ${p50 <= 1.5 * bareP50 ? 'met' : 'NOT met'}), ` +
        `throughput ${fmt(platformRate / bareRate, 2)}× (goal ≥ 0.7×: ${platformRate >= 0.7 * bareRate ? 'met' : 'NOT met'})`,
      `platform / bare with its activity on its own queue: overhead p50 ${fmt(p50 / percentile(bareQueueLatency, 50), 2)}×, throughput ${fmt(platformRate / bareQueueRate, 2)}× (for reference: the lanes' own queue costs what this bare variant pays over the first)`,
      `platform / direct: throughput ${fmt(platformRate / directRate, 3)}×; absolute aim overhead p50 ≤ 50 ms: ${p50 <= 50 ? 'met' : 'NOT met'} (${fmt(p50)} ms)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await workers.shutdown();
    await bare.shutdown();
    await sim.close();
    await temporal.close();
  }
}

/** performance.now() on the wall clock, to line up with history's event times. */
function toWall(t: number): number {
  return performance.timeOrigin + t;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:overhead failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
