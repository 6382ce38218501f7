import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { TestTemporal } from './temporal';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/cli.mjs');

/** A platform process in its own process group (stopProcess signals the whole group: tsx runs it in a child of its own); resolves once it prints "workers running". */
function spawnWorkers(script: string[], env: Record<string, string>, what: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [tsx, ...script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('workers running')) resolve(child);
    });
    child.once('exit', (code, signal) => reject(new Error(`${what} exited with ${code ?? signal}`)));
  });
}

function platformEnv(temporal: TestTemporal, hosts: Array<{ name: string; url: string; slots: number }>, dataDir: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    CIVICOS_DATA_DIR: dataDir,
    CIVICOS_METRICS_PORT: '0',
    CIVICOS_LOG_LEVEL: 'warn',
    CIVICOS_MODEL_HOSTS: JSON.stringify(hosts),
  };
}

/** An inference-only worker process (`civicos worker --role inference`) for model hosts; resolves when it runs. */
export function startInferenceProcess(temporal: TestTemporal, hosts: Array<{ name: string; url: string; slots: number }>, dataDir: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  return spawnWorkers([path.join(root, 'client/cli.ts'), 'worker', '--role', 'inference'], { ...platformEnv(temporal, hosts, dataDir), ...env }, 'inference worker');
}

/** The Ollama simulator in its own process (so a test can SIGSTOP or SIGKILL it); resolves with its URL. */
export function startSimulatorProcess(args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [tsx, path.join(root, 'deploy/dev/ollama-simulator.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('ollama_simulator_listening'));
      if (line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code, signal) => reject(new Error(`simulator process exited with ${code ?? signal}`)));
  });
}

/** Signals the process group of a child started here (tsx's wrapper and the program it runs). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Stops a child this test started (its whole group) and waits for it to be gone. */
export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGCONT');
  signalGroup(child, signal);
  await gone;
}

/** The whole platform (workflows + inference for `hosts`) in a child process, with the test run's workflow bundle; resolves when it runs. */
export function startPlatformProcess(temporal: TestTemporal, hosts: Array<{ name: string; url: string; slots: number }>, dataDir: string): Promise<ChildProcess> {
  return spawnWorkers([path.join(root, 'test/support/platform-process.ts')], { ...platformEnv(temporal, hosts, dataDir), CIVICOS_TEST_BUNDLE: temporal.workflowBundle.codePath }, 'platform process');
}
