import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { freePort } from '../deploy/temporal/dev-server';
import { npxCivicos, REPO_ROOT, runCommand, type BinaryRun } from './support/cli';
import { connectTest } from './support/temporal';

// The real `civicos` bin as a user starts it: `npx civicos` from the clone, `npm run civicos --`,
// `node bin/civicos.js`, and a global install / `npm link` (the bin through a symlink named `civicos`).
let tmp: string;
let globalBin: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-bin-'));
  fs.mkdirSync(path.join(tmp, 'bin'));
  globalBin = path.join(tmp, 'bin', 'civicos');
  fs.symlinkSync(path.join(REPO_ROOT, 'bin', 'civicos.js'), globalBin);
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Output of a run, failing loudly when the CLI printed nothing (the bug this file guards against). */
function output(run: BinaryRun): string {
  const all = `${run.stdout}${run.stderr}`;
  expect(all.trim(), 'the CLI printed nothing').not.toBe('');
  return all;
}

const STARTS = {
  'npx civicos': (args: string[], env?: Record<string, string>) => npxCivicos(args, { env }),
  'npm run civicos --': (args: string[], env?: Record<string, string>) => runCommand('npm', ['run', '--silent', 'civicos', '--', ...args], { env }),
  'node bin/civicos.js': (args: string[], env?: Record<string, string>) => runCommand('node', ['bin/civicos.js', ...args], { env }),
  'global install (symlink named civicos, another cwd)': (args: string[], env?: Record<string, string>) => runCommand(globalBin, args, { env, cwd: tmp }),
};

describe.each(Object.entries(STARTS))('civicos started as %s', (_name, civicos) => {
  it('--help lists the commands', async () => {
    const run = await civicos(['--help']);
    expect(run.code).toBe(0);
    const text = output(run);
    for (const command of ['start', 'infer', 'queue', 'kb', 'schedules', 'temporal']) expect(text).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('kb check prints its result', async () => {
    const run = await civicos(['kb', 'check']);
    expect(output(run)).toContain('kb check passed: 5 artifacts');
    expect(run.code).toBe(0);
  });
});

describe('civicos through npx, as the README shows it', () => {
  it('kb check fails on a gutted KB artifact, naming the file and the problem', async () => {
    const root = path.join(tmp, 'gutted-kb');
    fs.cpSync(path.join(REPO_ROOT, 'templates'), path.join(root, 'templates'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'kb'), path.join(root, 'kb'), { recursive: true });
    fs.writeFileSync(path.join(root, 'kb', 'donor-digest.md'), '# donor-digest\n\nTBD\n');
    const run = await npxCivicos(['kb', 'check', '--root', root]);
    const text = output(run);
    expect(run.code).toBe(1);
    expect(text).toMatch(/kb check failed \(\d+ problems\)/);
    expect(text).toMatch(/kb\/donor-digest\.md: section "## .+" is missing/);
  });

  it('infer --file with a bad payload exits 2 naming the field, even with no server to reach', async () => {
    const file = path.join(tmp, 'bad-payload.json');
    const payload = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'examples/payloads/donor-digest.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...payload, max_tokens: -5, agent_id: undefined }));
    const run = await npxCivicos(['infer', '--file', file], { env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` } });
    const text = output(run);
    expect(run.code).toBe(2);
    expect(text).toContain('invalid inference payload');
    expect(text).toMatch(/max_tokens/);
    expect(text).toMatch(/agent_id/);
  });

  it('queue status against a running server prints both lanes', async () => {
    const run = await npxCivicos(['queue', 'status'], { env: { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace'), CIVICOS_DATA_DIR: tmp } });
    const text = output(run);
    expect(run.code).toBe(0);
    expect(text).toMatch(/^prod\s+(running|PAUSED)/m);
    expect(text).toMatch(/^experimental\s+(running|PAUSED)/m);
    expect(text).toMatch(/backlog \d+ \(oldest/);
  });

  it('queue pause / status / resume: status says where the pause shows, and `temporal task-queue config get` shows it', async () => {
    const temporal = await connectTest({ namespace: 'test-cli-binary' });
    try {
      const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, CIVICOS_DATA_DIR: tmp };
      const pause = await npxCivicos(['queue', 'pause', '--lane', 'prod', '--reason', 'GPU driver update', '--by', 'ops-test'], { env });
      expect(output(pause)).toContain('paused prod (by ops-test: GPU driver update)');
      expect(pause.code).toBe(0);
      const status = await npxCivicos(['queue', 'status'], { env });
      expect(output(status)).toMatch(/^prod\s+PAUSED since \S+ by ops-test: GPU driver update$/m);
      expect(status.stdout).toContain('`temporal task-queue config get --task-queue civicos-inference-prod --task-queue-type activity` (rate limit 0); the Web UI and `temporal task-queue describe` show the lane as running');
      expect(status.stdout).toMatch(/^experimental\s+running$/m);
      // What the status line tells the operator to run, through the project's CLI pass-through.
      const config = await npxCivicos(['temporal', 'task-queue', 'config', 'get', '--task-queue', 'civicos-inference-prod', '--task-queue-type', 'activity', '--output', 'json'], { env });
      expect(config.code, config.stderr).toBe(0);
      expect(config.stdout).toContain('civicos-pause:GPU driver update');
      const resume = await npxCivicos(['queue', 'resume', '--lane', 'prod', '--by', 'ops-test'], { env });
      expect(output(resume)).toContain('resumed prod');
      expect((await npxCivicos(['queue', 'status'], { env })).stdout).toMatch(/^prod\s+running$/m);
    } finally {
      await temporal.close();
    }
  });
});
