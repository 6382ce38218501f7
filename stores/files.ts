import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The two ways the stores write files: JSON lines appended to a log, and whole files replaced
 * atomically (a temp file renamed into place, so a reader never sees half a file).
 */

/** A temp name beside `file`, unique per process and call. */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Appends one JSON line (one write with O_APPEND: lines of concurrent writers never interleave),
 * synchronously: a line is a few hundred bytes to a local file, and the promise API's open, write
 * and close were three thread-pool round trips on a model call's critical path. The directory is
 * made when the first append finds it missing (a mkdir per line was a syscall per write).
 */
export function appendJsonLineSync(file: string, value: unknown): void {
  const line = `${JSON.stringify(value)}\n`;
  try {
    fs.appendFileSync(file, line);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, line);
  }
}

/** The non-empty lines of a JSON-lines text, each through `parseLine` (1-based line numbers). */
export function parseJsonLines<T>(text: string, parseLine: (line: string, lineNumber: number) => T = (line) => JSON.parse(line) as T): T[] {
  return text.split('\n').flatMap((line, index) => (line.trim() ? [parseLine(line, index + 1)] : []));
}

/** A file's text, or undefined when it does not exist (other errors throw). */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function readIfExistsSync(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces `file` with `text` atomically, creating its folder. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    await fs.promises.writeFile(temp, text, { flag: 'wx' });
    await fs.promises.rename(temp, file);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
}

export function writeFileAtomicSync(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    fs.writeFileSync(temp, text, { flag: 'wx' });
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
