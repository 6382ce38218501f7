import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import { redactSecrets, redactValue } from '../common/redact';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };

/** The redacted record a line was made from, for sinks that route by level. */
export interface LogEntry {
  level: LogLevel;
  msg: string;
  fields: Record<string, unknown>;
}

export type LogSink = (line: string, entry: LogEntry) => void;

/**
 * The one structured logger: JSON lines `{ts, level, msg, component, ...fields}` on stderr,
 * secrets redacted. It also implements Temporal's Logger so `Runtime.install` sends SDK logs here,
 * giving every line the same shape.
 */
export class JsonLogger implements TemporalLogger {
  constructor(
    private readonly options: { level: LogLevel; sink?: LogSink; bindings?: Record<string, unknown> },
  ) {}

  child(bindings: Record<string, unknown>): JsonLogger {
    return new JsonLogger({ ...this.options, bindings: { ...this.options.bindings, ...bindings } });
  }

  log(level: TemporalLogLevel | LogLevel, message: string, meta?: LogMetadata): void {
    const normalised = level.toLowerCase() as LogLevel;
    if (RANK[normalised] < RANK[this.options.level]) return;
    const msg = redactSecrets(message);
    const fields = {
      ...(redactValue(this.options.bindings ?? {}) as Record<string, unknown>),
      ...(meta ? (redactValue(stripSymbols(meta)) as Record<string, unknown>) : {}),
    };
    const line = safeStringify({ ts: new Date().toISOString(), level: normalised, msg, ...fields });
    (this.options.sink ?? defaultSink)(line, { level: normalised, msg, fields });
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('trace', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('debug', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('info', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('warn', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('error', message, meta);
  }
}

const defaultSink: LogSink = (line) => process.stderr.write(`${line}\n`);

function stripSymbols(meta: LogMetadata): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(meta)) out[key] = meta[key];
  return out;
}

function safeStringify(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner === 'bigint') return inner.toString();
    if (inner instanceof Error) return { name: inner.name, message: redactSecrets(inner.message) };
    return inner;
  });
}

let rootLogger: JsonLogger | undefined;

/** The process-wide logger; `configureLogger` sets its level once the env is loaded. */
export function logger(): JsonLogger {
  rootLogger ??= new JsonLogger({ level: 'info' });
  return rootLogger;
}

export function configureLogger(level: LogLevel, sink?: LogSink): JsonLogger {
  rootLogger = new JsonLogger({ level, sink });
  return rootLogger;
}
