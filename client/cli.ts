import { Command, CommanderError } from 'commander';
import { ConfigError } from '../platform/env';
import { redactSecrets } from '../common/redact';
import { CliUsageError, createContext, ExitWith, type RegisterCommand } from './commands/context';
import { registerCodecServer } from './commands/codec-server';
import { registerDevServer } from './commands/dev-server';
import { registerInfer } from './commands/infer';
import { registerQueue } from './commands/queue';
import { registerRouting } from './commands/routing';
import { registerStart } from './commands/start';
import { registerWorker } from './commands/worker';
import { registerApproval } from './commands/approval';
import { registerKb } from './commands/kb';
import { registerPromote } from './commands/promote';
import { registerRun } from './commands/run';
import { registerSchedules } from './commands/schedules';
import { registerSlo } from './commands/slo';
import { registerTemporal } from './commands/temporal';
import { IdempotencyConflictError } from './idempotency';
import { InvalidPayloadError } from './submit-inference';

/** Every command of the CLI; a new command is one module and one line here. */
const COMMANDS: RegisterCommand[] = [registerStart, registerDevServer, registerWorker, registerInfer, registerQueue, registerRouting, registerRun, registerApproval, registerSchedules, registerKb, registerPromote, registerTemporal, registerCodecServer, registerSlo];

/** Exit codes: 0 ok, 1 runtime failure, 2 bad input (arguments, payload, configuration). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ExitWith) return error.code;
  if (error instanceof CommanderError) return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? 0 : 2;
  if (error instanceof ConfigError || error instanceof InvalidPayloadError || error instanceof CliUsageError || error instanceof IdempotencyConflictError) return 2;
  return 1;
}

export async function runCli(argv: string[]): Promise<number> {
  const ctx = createContext();
  const program = new Command('civicos')
    .description('CivicOS Workflows: AI workflows on Temporal and local Ollama models')
    .showHelpAfterError()
    // Options after a command belong to it (`civicos temporal workflow list --query …` passes them on).
    .enablePositionalOptions()
    .exitOverride();
  for (const register of COMMANDS) register(program, ctx);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const code = exitCodeFor(error);
    if (!(error instanceof CommanderError) && !(error instanceof ExitWith)) {
      // A workflow failure, a host error or a config problem may quote a credential: never print it.
      process.stderr.write(`civicos: ${redactSecrets(error instanceof Error ? error.message : String(error))}\n`);
    }
    return code;
  } finally {
    await ctx.close();
  }
}

// `tsx client/cli.ts …` (npm start, npm run civicos); bin/civicos.js calls runCli itself.
if (require.main === module) {
  void runCli(process.argv).then((code) => {
    process.exitCode = code;
  });
}
