/**
 * npm run bench:lanes — a flood of experimental work with urgent prod tasks injected at random
 * moments, on a 2-slot host, side by side in one run:
 *   (a) this platform (lanes, slot budget, pre-emption) in front of simulator A;
 *   (b) the baseline: the same requests sent straight to simulator B's FIFO with the ollama client,
 *       as scripts calling Ollama directly would.
 * Reports urgent start latency (request → the model starts it) p50/p95/max for both, slot
 * utilisation while backlogged, and a pause/resume in mid-flood with submitted = completed.
 */
import * as http from 'node:http';
import { Readable } from 'node:stream';
import { Ollama } from 'ollama';
import { pauseLanes, resumeLanes } from '../platform/lane-admin';
import { submitInference, type Submission } from '../client/submit-inference';
import { logger } from '../platform/logger';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { runWorkers } from '../workers/run-workers';
import { benchTemporal, fmt, percentile, pool } from './support';
import { breakdown, STEPS, type Breakdown, type Timing } from './breakdown';

const EXPERIMENTAL = Number(process.env.BENCH_EXPERIMENTAL ?? 1000);
const URGENT = Number(process.env.BENCH_URGENT ?? 20);
const TOKENS = 40;
const TOKENS_PER_SECOND = 20; // 40 tokens at 20/s ≈ 2 s of generation
const SLOTS = 2;
const RESERVED_FOR_PROD = Number(process.env.BENCH_RESERVED ?? 0);
const URGENT_MODEL = 'qwen2.5:14b';
const EXPERIMENTAL_MODEL = 'mistral-small3.2:24b';

// Deterministic "random" injection moments (seeded), spread over the first part of the flood.
function injectionTimes(count: number, spanMs: number, avoid: [number, number]): number[] {
  let seed = 20261124;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const times: number[] = [];
  while (times.length < count) {
    const t = 3_000 + next() * spanMs;
    if (t < avoid[0] - 3_000 || t > avoid[1] + 1_000) times.push(t);
  }
  return times.sort((a, b) => a - b);
}

/**
 * The baseline's fetch: plain node:http without undici's 300 s headers timeout, because a request
 * at the back of Ollama's FIFO waits far longer than that for its first byte.
 */
const patientFetch: typeof fetch = (input, init) =>
  new Promise((resolve, reject) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const request = http.request(url, { method: init?.method ?? 'GET', headers: init?.headers as http.OutgoingHttpHeaders }, (response) => {
      resolve(new Response(Readable.toWeb(response) as ReadableStream, { status: response.statusCode ?? 0, headers: response.headers as Record<string, string> }));
    });
    request.on('error', reject);
    init?.signal?.addEventListener('abort', () => request.destroy(new Error('aborted')));
    request.end(init?.body as string | undefined);
  });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function utilisationSampler(sim: OllamaSimulator, backlogged: () => boolean, excluded: () => boolean): { stop(): number } {
  const samples: number[] = [];
  const timer = setInterval(() => {
    if (backlogged() && !excluded()) samples.push(sim.stats().active / SLOTS);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : NaN;
    },
  };
}

async function main(): Promise<void> {
  const temporal = await benchTemporal();
  const simOptions = { parallel: SLOTS, tokensPerSecond: TOKENS_PER_SECOND, ttftMs: 50, maxQueue: EXPERIMENTAL + URGENT + 10 };
  const simA = await startOllamaSimulator(simOptions);
  const simB = await startOllamaSimulator(simOptions);
  const workers = await runWorkers({
    env: temporal.env,
    logger: logger(),
    hosts: [{ name: 'bench-2slot', url: simA.url, slots: SLOTS, simulated: true, reservedForProd: RESERVED_FOR_PROD }],
  });
  const direct = new Ollama({ host: simB.url, fetch: patientFetch });
  const run = Date.now().toString(36);
  const pauseWindow: [number, number] = [40_000, 50_000];
  const urgentAt = injectionTimes(URGENT, 100_000, pauseWindow);
  const base = {
    agent_id: 'bench-lanes',
    calling_skill: 'flood',
    system_prompt: '',
    max_tokens: TOKENS,
    callback: 'none',
  };
  try {
    const t0 = Date.now();
    let pausedNow = false;
    // (a) platform: submit the flood, inject urgent work, pause/resume mid-flood.
    const floodSubmissions: Submission[] = [];
    const submitFlood = pool(EXPERIMENTAL, 16, async (i) => {
      floodSubmissions.push(
        await submitInference(temporal.client, {
          ...base,
          model: EXPERIMENTAL_MODEL,
          priority: 'normal',
          lane: 'experimental',
          experiment_tag: 'bench-flood',
          success_criteria: 'completes',
          user_prompt: `flood ${run} ${i}`,
        }),
      );
    });
    // (b) baseline: the same flood straight into simulator B's FIFO.
    const directFlood = Array.from({ length: EXPERIMENTAL }, async (_, i) => {
      const stream = await direct.chat({ model: EXPERIMENTAL_MODEL, messages: [{ role: 'user', content: `flood ${run} ${i}` }], stream: true, options: { num_predict: TOKENS } });
      for await (const _ of stream);
    });
    const expDoneA = (): number => simA.records.filter((r) => r.model === EXPERIMENTAL_MODEL && r.outcome === 'completed').length;
    const expDoneB = (): number => simB.records.filter((r) => r.model === EXPERIMENTAL_MODEL && r.outcome === 'completed').length;
    const utilA = utilisationSampler(simA, () => expDoneA() < EXPERIMENTAL - SLOTS, () => pausedNow);
    const utilB = utilisationSampler(simB, () => expDoneB() < EXPERIMENTAL - SLOTS, () => false);

    const urgentPlatform: Array<{ sentAt: number; id: string }> = [];
    const urgentDirect: number[] = [];
    const urgentDone: Array<Promise<unknown>> = [];
    const urgentTimings: Timing[] = [];
    const injections = urgentAt.map(async (at, i) => {
      await sleep(t0 + at - Date.now());
      const payload = { ...base, model: URGENT_MODEL, priority: 'urgent' as const, lane: 'prod' as const, user_prompt: `urgent ${run} ${i}`, max_tokens: 8 };
      const sentAt = Date.now();
      urgentPlatform.push({ sentAt, id: `${i}` });
      const submission = await submitInference(temporal.client, payload);
      const submitted = Date.now();
      urgentDone.push(submission.handle.result().then(() => urgentTimings.push({ workflowId: submission.workflowId, t0: sentAt, submitted, resulted: Date.now() })));
      urgentDirect.push(Date.now());
      urgentDone.push(
        direct.chat({ model: URGENT_MODEL, messages: [{ role: 'user', content: payload.user_prompt }], stream: true, options: { num_predict: 8 } }).then(async (s) => {
          for await (const _ of s);
        }),
      );
    });
    const pauseResume = (async () => {
      await sleep(t0 + pauseWindow[0] - Date.now());
      await pauseLanes(temporal.client, { lanes: 'all', reason: 'bench mid-flood pause', by: 'bench' });
      pausedNow = true;
      await sleep(t0 + pauseWindow[1] - Date.now());
      await resumeLanes(temporal.client, { lanes: 'all', by: 'bench' });
      pausedNow = false;
    })();

    await Promise.all([submitFlood, pauseResume, ...injections]);
    const submitSeconds = (Date.now() - t0) / 1000;
    await Promise.all(urgentDone);
    const results = await Promise.allSettled(floodSubmissions.map((s) => s.handle.result()));
    await Promise.all(directFlood);
    const utilisationA = utilA.stop();
    const utilisationB = utilB.stop();

    const urgentStartsA = simA.records.filter((r) => r.model === URGENT_MODEL).map((r) => r.startedAt!);
    const urgentStartsB = simB.records.filter((r) => r.model === URGENT_MODEL).map((r) => r.startedAt!);
    const latencyA = urgentPlatform.map((u, i) => (urgentStartsA[i] ?? NaN) - u.sentAt);
    const latencyB = urgentDirect.map((sentAt, i) => (urgentStartsB[i] ?? NaN) - sentAt);
    if (process.env.BENCH_DEBUG) {
      const urgentA = simA.records.filter((r) => r.model === URGENT_MODEL);
      urgentPlatform.forEach((u, i) => {
        const r = urgentA[i];
        if (r) process.stderr.write(`urgent ${i}: to host ${r.arrivedAt - u.sentAt} ms, host queue ${r.startedAt! - r.arrivedAt} ms\n`);
      });
    }
    // Where an urgent request's time went (history timestamps), p50 / p95 / max per step.
    const urgentSteps: Breakdown[] = [];
    for (const timing of urgentTimings) urgentSteps.push(await breakdown(temporal.client, timing));
    const stepStats = (i: number): string => {
      const values = urgentSteps.map((b) => b.steps[i]!);
      return `${fmt(percentile(values, 50), 0)} / ${fmt(percentile(values, 95), 0)} / ${fmt(Math.max(...values), 0)}`;
    };
    const completed = results.filter((r) => r.status === 'fulfilled').length;
    const preempted = simA.records.filter((r) => r.model === EXPERIMENTAL_MODEL && r.outcome === 'aborted').length;
    const p95 = percentile(latencyA, 95);
    const lines = [
      `bench:lanes — ${temporal.version}; ${EXPERIMENTAL} experimental tasks (~${TOKENS / TOKENS_PER_SECOND} s each) + ${URGENT} urgent prod tasks on a ${SLOTS}-slot host (reserved for prod: ${RESERVED_FOR_PROD}); total ${fmt((Date.now() - t0) / 1000, 0)} s`,
      '',
      '| path | urgent start p50 ms | p95 ms | max ms | slot utilisation while backlogged |',
      '|---|---|---|---|---|',
      `| platform (lanes + priority + slot budget) | ${fmt(percentile(latencyA, 50), 0)} | ${fmt(p95, 0)} | ${fmt(Math.max(...latencyA), 0)} | ${fmt(utilisationA * 100)}% |`,
      `| baseline: straight to Ollama's FIFO | ${fmt(percentile(latencyB, 50), 0)} | ${fmt(percentile(latencyB, 95), 0)} | ${fmt(Math.max(...latencyB), 0)} | ${fmt(utilisationB * 100)}% |`,
      '',
      `urgent p95 goal ≤ 1000 ms: ${p95 <= 1000 ? 'met' : 'NOT met'}; utilisation goal ≥ 95%: ${utilisationA >= 0.95 ? 'met' : 'NOT met'}; ` +
        `baseline/platform urgent p50 ratio ${fmt(percentile(latencyB, 50) / percentile(latencyA, 50), 1)}x`,
      '',
      '| urgent request step (ms) | p50 / p95 / max |',
      '|---|---|',
      ...STEPS.map((step, i) => `| ${step} | ${stepStats(i)} |`),
      '',
      `pause/resume mid-flood (${pauseWindow[0] / 1000}-${pauseWindow[1] / 1000} s): submitted ${floodSubmissions.length}, completed ${completed}, ` +
        `model calls completed ${expDoneA()} (experimental pre-empted for prod and re-run: ${preempted}); flood submitted in ${fmt(submitSeconds, 0)} s`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (completed !== floodSubmissions.length) process.exitCode = 1;
  } finally {
    await workers.shutdown();
    await simA.close();
    await simB.close();
    await temporal.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:lanes failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
