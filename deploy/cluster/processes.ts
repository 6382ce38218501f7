import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Long-lived processes of the local cluster: started detached (they outlive `cluster:up`), their
 * output in a log file, found again later by pid from the state file.
 */
export interface ManagedProcess {
  name: string;
  pid: number;
  log: string;
  /** Size of the log before this start: what this run wrote begins here. */
  logOffset: number;
  command: string[];
}

export function startDetached(name: string, command: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; logDir: string }): ManagedProcess {
  fs.mkdirSync(options.logDir, { recursive: true });
  const log = path.join(options.logDir, `${name}.log`);
  const logOffset = fs.existsSync(log) ? fs.statSync(log).size : 0;
  const fd = fs.openSync(log, 'a');
  const [file, ...args] = command;
  if (!file) throw new Error(`${name}: empty command`);
  const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`${name}: ${file} did not start (see ${log})`);
  return { name, pid: child.pid, log, logOffset, command };
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number | undefined, graceMs = 15_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid!, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitFor(() => !isAlive(pid), graceMs)) return;
  try {
    process.kill(pid!, 'SIGKILL');
  } catch {
    return;
  }
  await waitFor(() => !isAlive(pid), 5_000);
}

/** kill -9: what a crash or an OOM kill does to a worker. */
export async function killProcess(pid: number | undefined): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid!, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 5_000);
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
