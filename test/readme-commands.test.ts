import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { REPO_ROOT, runCommand, type BinaryRun } from './support/cli';
import { startPlatform } from './support/platform';
import { connectTest, eventually, type TestTemporal } from './support/temporal';

// The README's command blocks, verbatim: each command line (with its `\` continuations) runs
// through bash from the repository root, as a newcomer pastes it, against a dev server with the
// workers running. What is not run here, and why, is listed in NOT_RUN.
const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

/** The `bash` blocks of the README section `## <heading>`. */
function bashBlocks(heading: string): string[] {
  const section = README.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  if (!section) throw new Error(`README has no section "## ${heading}"`);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** One entry per command: continuation lines joined, blank and comment-only lines dropped. */
function commands(block: string): string[] {
  return block.replace(/\\\n\s*/g, ' ').split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** Runbook lines a test cannot run verbatim: each needs an operator's own input or runs until Ctrl-C. */
const NOT_RUN: Record<string, string> = {
  'npx civicos routing set new-matrix.json': 'needs the operator\'s edited matrix file (routing set/rollback: test/routing.test.ts)',
  'npx civicos routing rollback': 'rolls back the version `routing set` wrote (test/routing.test.ts)',
  'npx civicos worker --role inference': 'runs until Ctrl-C on a GPU box (workers: test/lanes-hosts.test.ts)',
};

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let env: Record<string, string>;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-readme' });
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  platform = await startPlatform(temporal, [{ name: 'local', url: sim.url, slots: 2, simulated: true }]);
  env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, CIVICOS_DATA_DIR: platform.env.dataDir, CIVICOS_METRICS_PORT: '0' };
});
afterAll(async () => {
  for await (const schedule of temporal.client.schedule.list()) await temporal.client.schedule.getHandle(schedule.scheduleId).delete();
  await platform?.stop();
  await sim?.close();
  await temporal?.close();
});

async function bash(script: string): Promise<BinaryRun> {
  return await runCommand('bash', ['-c', script], { env, timeoutMs: 120_000 });
}

/** Runs a README command; it must succeed and print something. */
async function runReadmeCommand(command: string): Promise<string> {
  const run = await bash(command);
  const printed = `${run.stdout}${run.stderr}`;
  expect(run.code, `${command}\n${printed}`).toBe(0);
  expect(run.stdout.trim(), `${command} printed nothing on stdout`).not.toBe('');
  return run.stdout;
}

describe('README commands, verbatim (real Temporal, workers on the Ollama simulator)', () => {
  it('"Triggering work": infer --wait, then temporal workflow start/result/list', { timeout: 240_000 }, async () => {
    const [block] = bashBlocks('Triggering work');
    const lines = commands(block!);
    expect(lines.map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual([
      'npx civicos infer --file',
      'npx civicos temporal workflow',
      'npx civicos temporal workflow',
      'npx civicos temporal workflow',
    ]);
    const [infer, start, result, list] = lines as [string, string, string, string];
    expect(await runReadmeCommand(infer)).toMatch(/^inference:\S+: qwen3:14b on local \(simulated\), \d+ tokens\n./);
    expect(await runReadmeCommand(start)).toContain('inference:my-first');
    expect(await runReadmeCommand(result)).toMatch(/COMPLETED|qwen3:14b/);
    const listed = await eventually(async () => {
      const out = await runReadmeCommand(list);
      return out.includes('inference:my-first') ? out : undefined;
    }, { what: 'the README list query shows the CLI-started request', timeoutMs: 30_000, intervalMs: 500 });
    expect(listed).toContain('inferenceRequest');
  });

  it('"The Temporal CLI and dev server": npm run temporal:install, then temporal on PATH lists by Lane', { timeout: 180_000 }, async () => {
    const [block] = bashBlocks('The Temporal CLI and dev server');
    expect(commands(block!)).toHaveLength(3);
    // One shell, like a terminal: the `export PATH` line holds for the next line.
    const out = await runReadmeCommand(block!);
    expect(out).toMatch(/temporal\n/); // the install script's path line
    expect(out).toMatch(/inference:my-first/); // started by the "Triggering work" block
  });

  it('"The CivicOS workflows": run, approval, approve, schedules, kb check', { timeout: 300_000 }, async () => {
    const [block] = bashBlocks('The CivicOS workflows');
    const lines = commands(block!);
    expect(lines).toHaveLength(6);
    const outputs: string[] = [];
    for (const line of lines) {
      if (line.includes('npx civicos approve ')) {
        // The draft must be waiting for its decision first (the run line before starts it).
        await eventually(async () => (await bash('npx civicos approval list')).stdout.includes('comms-draft:giving-tuesday-2026'), { what: 'the comms draft waiting for approval', timeoutMs: 60_000, intervalMs: 500 });
      }
      outputs.push(await runReadmeCommand(line));
    }
    expect(outputs.join('\n')).toMatch(/donor-digest:2026-11-24/);
    expect(outputs.join('\n')).toMatch(/kb check passed/);
  });

  it('"Lanes, the queue and the runbook": queue pause/status/resume, routing show, smoke', { timeout: 240_000 }, async () => {
    const [block] = bashBlocks('Lanes, the queue and the runbook');
    const lines = commands(block!);
    const skipped = lines.filter((line) => Object.keys(NOT_RUN).some((prefix) => line.startsWith(prefix)));
    expect(skipped).toHaveLength(Object.keys(NOT_RUN).length);
    const outputs: string[] = [];
    for (const line of lines.filter((l) => !skipped.includes(l))) outputs.push(await runReadmeCommand(line));
    const text = outputs.join('\n');
    expect(text).toMatch(/paused all \(by .+: GPU driver update\)/);
    expect(text).toMatch(/^prod\s+PAUSED since .+: GPU driver update$/m);
    expect(text).toMatch(/resumed all/);
    expect(text).toMatch(/smoke test PASSED/);
  });

  it('"Finding work in the Web UI": every saved-view query is a valid visibility query on our attributes', async () => {
    const section = README.split(/^## /m).find((part) => part.startsWith('Finding work in the Web UI\n'))!;
    const queries = [...section.matchAll(/^\|[^|]+\| `([^`]+)` \|$/gm)].map((m) => m[1]!);
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const query of queries) await temporal.client.workflow.count(query); // throws on an unknown attribute or bad syntax
    // The request the README started from the CLI shows in the lane A view.
    const laneA = queries.find((q) => q.startsWith('Lane="prod" AND JobType="inference-request"'))!;
    expect((await temporal.client.workflow.count(laneA.replace('ExecutionStatus="Running"', 'WorkflowId="inference:my-first"'))).count).toBe(1);
  });
});
