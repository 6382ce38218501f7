import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, startDetached, stopProcess, tail, waitFor, type ManagedProcess } from './processes';

/** The repository root: worker processes run `client/cli.ts` from here. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** One TypeScript entry point as a single node process (no npx/tsx wrapper: a kill -9 hits the worker itself). */
export function tsCommand(entry: string, args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', path.join(REPO_ROOT, entry), ...args];
}

export interface SimulatedHost {
  name: string;
  port: number;
  slots: number;
  tokensPerSecond: number;
  ttftMs: number;
  pid?: number;
}

export const hostUrl = (host: Pick<SimulatedHost, 'port'>): string => `http://127.0.0.1:${host.port}`;

/** CIVICOS_MODEL_HOSTS for the given hosts. */
export const modelHostsEnv = (hosts: SimulatedHost[]): string => JSON.stringify(hosts.map((h) => ({ name: h.name, url: hostUrl(h), slots: h.slots })));

/** A model host: the protocol-faithful Ollama simulator (deploy/dev/ollama-simulator.ts) as its own process. */
export async function startSimulatedHost(host: SimulatedHost, logDir: string): Promise<ManagedProcess> {
  const started = startDetached(
    `ollama-${host.name}`,
    tsCommand('deploy/dev/ollama-simulator.ts', ['--host', '127.0.0.1', '--port', String(host.port), '--parallel', String(host.slots), '--tokens-per-second', String(host.tokensPerSecond), '--ttft-ms', String(host.ttftMs)]),
    { logDir, cwd: REPO_ROOT },
  );
  await awaitLogLine(started, /ollama_simulator_listening/, 60_000);
  return started;
}

export interface WorkerSpec {
  /** `workflows` or `inference-<host>`. */
  name: string;
  role: 'workflows' | 'inference';
  /** The whole configuration of the process: the platform reads nothing else (common/env.ts). */
  env: Record<string, string>;
}

/** `civicos worker --role …` as its own process, configured only through its environment. */
export async function startWorker(spec: WorkerSpec, logDir: string): Promise<ManagedProcess> {
  const started = startDetached(`worker-${spec.name}`, tsCommand('client/cli.ts', ['worker', '--role', spec.role]), {
    logDir,
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...spec.env },
  });
  await awaitLogLine(started, /workers running/, 120_000);
  return started;
}

/** Waits for a line in a process's log written after it started; fails fast if the process exits. */
export async function awaitLogLine(started: ManagedProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  const offset = started.logOffset;
  const ok = await waitFor(() => {
    if (!isAlive(started.pid)) return true;
    return pattern.test(readFrom(started.log, offset));
  }, timeoutMs, 200);
  if (!ok || !isAlive(started.pid)) {
    const running = isAlive(started.pid);
    await stopProcess(started.pid);
    throw new Error(`${started.name} (pid ${started.pid}) ${running ? `printed no ${pattern} within ${timeoutMs} ms (stopped it)` : 'exited'}; its log ${started.log}:\n${tail(started.log)}`);
  }
}

function readFrom(file: string, offset: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.max(0, size - offset));
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}
