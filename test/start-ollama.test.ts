import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../deploy/temporal/dev-server';
import { eventually } from './support/temporal';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'deploy/ollama/start-ollama.sh');
let tmp: string;
let fakeBin: string;
const started: number[] = [];

/** Runs start-ollama.sh with a stand-in `ollama serve` (answers /api/version, closes each connection first). */
function startOllama(port: number, bin = fakeBin): Promise<{ code: number; out: string; stdout: string; pid?: number }> {
  return new Promise((resolve) => {
    execFile('bash', [script], { env: { ...process.env, OLLAMA_BIN: bin, OLLAMA_PORT: String(port), CIVICOS_CACHE_DIR: tmp, OLLAMA_START_TIMEOUT: '20' } }, (error, stdout, stderr) => {
      const pid = Number(/OLLAMA_PID=(\d+)/.exec(stdout)?.[1]) || undefined;
      if (pid) started.push(pid);
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}`, stdout, pid });
    });
  });
}

function timeWaitCount(port: number): number {
  return execFileSync('ss', ['-Htan', 'state', 'time-wait', `( sport = :${port} )`], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-start-ollama-'));
  const server = path.join(tmp, 'fake-ollama.js');
  fs.writeFileSync(
    server,
    `const http = require('node:http');
const [host, port] = process.env.OLLAMA_HOST.split(':');
http.createServer((req, res) => { res.setHeader('connection', 'close'); res.end(JSON.stringify({ version: '0.0.0-fake' })); }).listen(Number(port), host);\n`,
  );
  fakeBin = path.join(tmp, 'ollama');
  fs.writeFileSync(fakeBin, `#!/bin/sh\nexec "${process.execPath}" "${server}"\n`, { mode: 0o755 });
});
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('deploy/ollama/start-ollama.sh', () => {
  it('restarts on the same port at once after a crash (TIME_WAIT connections do not count as in use)', async () => {
    const port = await freePort();
    const first = await startOllama(port);
    expect(first.code, first.out).toBe(0);
    // Traffic the server closes first leaves TIME_WAIT sockets on its port once it dies.
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => http.get(`http://127.0.0.1:${port}/api/version`, (res) => res.resume().on('end', resolve)).on('error', reject));
    }
    process.kill(first.pid!, 'SIGKILL');
    await eventually(() => timeWaitCount(port) > 0, { what: 'TIME_WAIT sockets on the port' });
    const second = await startOllama(port);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain(`export OLLAMA_HOST=127.0.0.1:${port}`);
  });

  it('still refuses a port where something listens', async () => {
    const port = await freePort();
    const listener = http.createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    try {
      const result = await startOllama(port);
      expect(result.code).toBe(1);
      expect(result.out).toContain(`port ${port} is already in use`);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('prints exports that eval back to the same values when the binary path has spaces, quotes and $(…)', async () => {
    const odd = path.join(tmp, `it's a "dir" $(touch pwned) \`x\``);
    fs.mkdirSync(odd, { recursive: true });
    const bin = path.join(odd, 'ollama');
    fs.copyFileSync(fakeBin, bin);
    fs.chmodSync(bin, 0o755);
    const port = await freePort();
    const result = await startOllama(port, bin);
    expect(result.code, result.out).toBe(0);
    // The way .ci/run uses it: eval the output, then read the variables back.
    const read = execFileSync('bash', ['-c', 'eval "$1" && printf "%s\\n%s\\n%s" "$OLLAMA_BIN" "$OLLAMA_HOST" "$OLLAMA_PID"', 'eval-probe', result.stdout], { cwd: tmp, encoding: 'utf8' });
    expect(read.split('\n')).toEqual([bin, `127.0.0.1:${port}`, String(result.pid)]);
    expect(fs.existsSync(path.join(tmp, 'pwned')), 'a command substitution in the path ran').toBe(false);
  });
});
