import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, temporalAnswers } from '../deploy/temporal/dev-server';
import { npxCivicos, REPO_ROOT } from './support/cli';
import { eventually } from './support/temporal';

/** `civicos codec-server` and `npm run dev:server` as subprocesses: the UI's decoder is up and locked to the UI origin. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-codec-cmd-'));
const children: ChildProcess[] = [];
const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;
afterAll(async () => {
  const left = children.filter(running);
  const closed = left.map((child) => new Promise((resolve) => child.once('close', resolve)));
  for (const child of left) process.kill(-child.pid!, 'SIGINT');
  await Promise.all(closed);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function launch(command: string, args: string[], env: Record<string, string>): { child: ChildProcess; out: () => string } {
  const child = spawn(command, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CIVICOS_DATA_DIR: dataDir, ...env } });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { child, out: () => out };
}

const preflight = (url: string, origin: string) =>
  fetch(`${url}/decode`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-namespace' } });

describe('codec server commands (real binary)', () => {
  it('civicos codec-server --port --ui-origin: answers the named origin only; bad flags exit 2', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const server = launch('npx', ['civicos', 'codec-server', '--port', String(port), '--ui-origin', 'http://127.0.0.1:18233'], {});
    await eventually(() => server.out().includes('Press Ctrl-C') || server.child.exitCode !== null, { what: 'codec server up', timeoutMs: 90_000, intervalMs: 200 });
    expect(server.out()).toContain(`codec server at http://127.0.0.1:${port} (keys from CIVICOS_CODEC_KEYS, encrypting with "test-1"); allowed origins: http://127.0.0.1:18233`);
    const ok = await preflight(`http://127.0.0.1:${port}`, 'http://127.0.0.1:18233');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    expect((await preflight(`http://127.0.0.1:${port}`, 'http://127.0.0.1:8233')).status).toBe(403);

    const bad = await npxCivicos(['codec-server', '--ui-origin', 'http://127.0.0.1:8233/namespaces'], { timeoutMs: 90_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ui-origin "http:\/\/127\.0\.0\.1:8233\/namespaces": expected an origin/);
    const noKeys = await npxCivicos(['codec-server'], { env: { CIVICOS_CODEC_KEYS: '{"current":"k1","keys":{}}' }, timeoutMs: 90_000 });
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toMatch(/CIVICOS_CODEC_KEYS\.keys: list at least one key/);
  });

  it('npm run dev:server starts the codec server and points the Web UI at it', { timeout: 180_000 }, async () => {
    const [port, uiPort, codecPort] = [await freePort(), await freePort(), await freePort()];
    const dev = launch('npm', ['run', 'dev:server'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, CIVICOS_TEMPORAL_UI_PORT: String(uiPort), CIVICOS_CODEC_PORT: String(codecPort) });
    await eventually(() => dev.out().includes('Press Ctrl-C') || dev.child.exitCode !== null, { what: 'dev server up', timeoutMs: 150_000, intervalMs: 200 });
    expect(dev.out()).toContain(`Web UI: http://127.0.0.1:${uiPort} (decodes payloads through http://127.0.0.1:${codecPort})`);
    expect(await temporalAnswers(`127.0.0.1:${port}`)).toBe(true);
    expect((await preflight(`http://127.0.0.1:${codecPort}`, `http://127.0.0.1:${uiPort}`)).headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${uiPort}`);
    // The UI serves its settings with the codec endpoint it was started with.
    const settings = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`).catch(() => undefined);
      return response?.ok ? ((await response.json()) as { Codec?: { Endpoint?: string } }) : undefined;
    }, { what: 'Web UI settings', timeoutMs: 60_000, intervalMs: 500 });
    expect(settings.Codec?.Endpoint).toBe(`http://127.0.0.1:${codecPort}`);
    const closed = new Promise((resolve) => dev.child.once('close', resolve));
    process.kill(-dev.child.pid!, 'SIGINT');
    await closed;
    expect(await temporalAnswers(`127.0.0.1:${port}`)).toBe(false);
  });
});
