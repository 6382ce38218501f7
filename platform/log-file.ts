import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogEntry, LogSink } from './logger';

/**
 * A sink for long-running commands with a human console (`civicos start`): every JSON line goes
 * to `file`; warnings and errors also reach the terminal, one short line each.
 */
export function fileLogSink(file: string, terminal: (text: string) => void = (text) => process.stderr.write(text)): LogSink {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  return (line, entry) => {
    fs.writeSync(fd, `${line}\n`);
    if (entry.level === 'warn' || entry.level === 'error') terminal(`${shortLine(entry, file)}\n`);
  };
}

const MAX_TERMINAL_CHARS = 240;

/** `warn: <msg>: <error message>`: one line, no JSON; the full record is in the file. */
export function shortLine(entry: LogEntry, file: string): string {
  const error = errorText(entry.fields.error);
  const where = typeof entry.fields.component === 'string' ? ` [${entry.fields.component}]` : '';
  let text = `${entry.level}${where}: ${entry.msg}${error ? `: ${error}` : ''}`.replace(/\s+/g, ' ').trim();
  if (text.length > MAX_TERMINAL_CHARS) text = `${text.slice(0, MAX_TERMINAL_CHARS - 1)}… (details in ${file})`;
  return text;
}

function errorText(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return undefined;
}
