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
