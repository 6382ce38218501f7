import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { runCli } from '../../client/cli';

/** Runs the real `civicos` CLI in-process; returns its exit code and everything it printed. */
export async function runCliCaptured(...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const capture = ((chunk: string | Uint8Array): boolean => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    return { code: await runCli(['node', 'civicos', ...args]), out: out.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

export interface BinaryRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs a command as a subprocess (the real `civicos` bin through `npx`, a symlink, `npm run`):
 * what a user types, with its own stdout, stderr and exit code.
 */
export async function runCommand(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<BinaryRun> {
  const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(timer));
  return { code, stdout, stderr };
}

/** `npx civicos …` from the repository root, as the README shows it. */
export async function npxCivicos(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<BinaryRun> {
  return await runCommand('npx', ['civicos', ...args], options);
}
