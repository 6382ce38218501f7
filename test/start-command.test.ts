import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, temporalAnswers } from '../deploy/temporal/dev-server';
import { REPO_ROOT } from './support/cli';
import { eventually } from './support/temporal';

// `npm start` as a newcomer runs it: its own dev server (free ports), the simulator, the workers and
// a first workflow; stdout carries only the human lines, the JSON logs go to a file.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-start-'));
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start (the real command, as a subprocess)', () => {
  it('prints human lines on stdout, JSON logs into the data dir, and stops cleanly on Ctrl-C', { timeout: 240_000 }, async () => {
    const [port, uiPort, codecPort] = [await freePort(), await freePort(), await freePort()];
    // A newcomer has no codec keys: npm start generates a dev key into the data dir and says so.
    const { CIVICOS_CODEC_KEYS: _testKeys, ...inherited } = process.env;
    const child = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      // Its own process group: Ctrl-C in a terminal signals the whole group (npm, tsx, node).
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...inherited, CIVICOS_CODEC_PORT: String(codecPort), CIVICOS_OLLAMA_MODE: 'simulator', CIVICOS_DATA_DIR: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, CIVICOS_TEMPORAL_UI_PORT: String(uiPort), CIVICOS_METRICS_PORT: '0', CIVICOS_LOG_LEVEL: 'info' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close': every process of the group that held stdout (npm, tsx, node) has ended.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      await eventually(() => stdout.includes('Press Ctrl-C to stop.') || child.exitCode !== null, { what: '"Press Ctrl-C" from npm start', timeoutMs: 180_000, intervalMs: 200 });
      expect(child.exitCode, `npm start exited early:\n${stdout}\n${stderr}`).toBeNull();

      const logFile = path.join(dataDir, 'logs', 'civicos.log');
      expect(stdout).toContain(`Logs:     ${logFile}`);
      expect(stdout).toMatch(/^Result: {3}completed on simulator \(SIMULATED Ollama\)/m);
      const keyFile = path.join(dataDir, 'codec-keys.json');
      expect(stdout).toContain(`Codec:    payloads encrypted (AES-256-GCM) with a DEV key generated into ${keyFile} (set CIVICOS_CODEC_KEYS for real keys)`);
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(stdout).toContain(`(decodes payloads through the codec server at http://127.0.0.1:${codecPort})`);
      // The codec server answers the UI's preflight, from the UI's origin only.
      const preflight = await fetch(`http://127.0.0.1:${codecPort}/decode`, { method: 'OPTIONS', headers: { Origin: `http://127.0.0.1:${uiPort}`, 'Access-Control-Request-Method': 'POST' } });
      expect(preflight.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${uiPort}`);
      for (const line of stdout.split('\n')) expect(line.startsWith('{'), `JSON on stdout: ${line.slice(0, 120)}`).toBe(false);
      // Warnings still reach the terminal, one short line each; never a JSON blob or the bundle report.
      expect(stderr).toMatch(/^warn: using the Ollama simulator: replies are synthetic$/m);
      for (const line of stderr.split('\n').filter(Boolean)) {
        expect(line, 'a terminal log line').toMatch(/^(warn|error)( \[[\w-]+\])?: /);
        expect(line.length).toBeLessThanOrEqual(400);
      }
      expect(`${stdout}${stderr}`).not.toMatch(/workflow-bundle|orphan modules/);
      // Activity-only inference workers are the design, not a warning for the operator.
      expect(stderr).not.toContain('No workflows registered');

      const records = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { level: string; msg: string });
      expect(records.map((r) => r.msg)).toContain('temporal dev server ready');
      expect(records.some((r) => r.level === 'warn' && r.msg.startsWith('using the Ollama simulator'))).toBe(true);
    } finally {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGINT');
    }
    await closed;
    expect(stdout).toMatch(/SIGINT: stopping workers, Ollama and dev server…\nstopped cleanly/);
    expect(await temporalAnswers(`127.0.0.1:${port}`)).toBe(false);
  });
});
