import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadEnv, type PlatformEnv } from '../../platform/env';
import { configureLogger, type JsonLogger } from '../../platform/logger';
import { admissionFromEnv, type Admission } from '../admission';
import { connectClient } from '../connection';

/** What every command needs, built lazily so `--help` works without configuration. */
export interface CliContext {
  env(): PlatformEnv;
  logger(): JsonLogger;
  /** A connected client; closed by the CLI after the command. */
  client(): Promise<Client>;
  /** Admission caps, default experimental TTL and alert sink, from this process's environment. */
  admission(): Admission;
}

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Bad input (arguments, payload, configuration): exit code 2 with the message. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** A command that ran another program ends with that program's exit code (it printed its own errors). */
export class ExitWith extends Error {
  override readonly name = 'ExitWith';
  constructor(readonly code: number) {
    super(`exit code ${code}`);
  }
}

export function createContext(): CliContext & { close(): Promise<void> } {
  let env: PlatformEnv | undefined;
  let logger: JsonLogger | undefined;
  let client: Promise<Client> | undefined;
  let admission: Admission | undefined;
  const ctx = {
    env: () => (env ??= loadEnv()),
    logger: () => (logger ??= configureLogger(ctx.env().logLevel)),
    client: () => (client ??= connectClient(ctx.env())),
    admission: () => (admission ??= admissionFromEnv(ctx.env(), ctx.logger())),
    async close() {
      if (client) await (await client).connection.close().catch(() => undefined);
    },
  };
  return ctx;
}
