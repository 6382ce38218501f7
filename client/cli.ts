import { Command, CommanderError } from 'commander';
import { ConfigError, loadEnv, type PlatformEnv } from '../common/env';
import { configureLogger } from '../common/logger';
import { locateTemporalCli, startDevServer } from '../deploy/temporal/dev-server';
import * as path from 'node:path';
import { connectClient } from './connection';
import { CliUsageError, InvalidPayloadError, inferCommand } from './commands/infer';
import { startCommand } from './commands/start';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad input (arguments, payload, configuration). */
function fail(error: unknown): never {
  if (error instanceof ConfigError || error instanceof InvalidPayloadError || error instanceof CliUsageError) {
    process.stderr.write(`civicos: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`civicos: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

function env(): PlatformEnv {
  const loaded = loadEnv();
  configureLogger(loaded.logLevel);
  return loaded;
}

export function buildProgram(): Command {
  const program = new Command('civicos')
    .description('CivicOS Workflows: AI workflows on Temporal and local Ollama models')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description('Main job: dev server (unless one answers), workers, a first workflow; runs until Ctrl-C')
    .action(async () => {
      const e = env();
      await startCommand(e, configureLogger(e.logLevel));
    });

  program
    .command('dev-server')
    .description('Start the Temporal dev server (SQLite in the data directory, Web UI, search attributes) and wait')
    .action(async () => {
      const e = env();
      const logger = configureLogger(e.logLevel);
      const cli = await locateTemporalCli();
      const server = await startDevServer({
        temporalPath: cli.path,
        port: Number(e.temporalAddress.split(':').pop()),
        uiPort: e.uiPort,
        namespace: e.namespace,
        dbFile: path.join(e.dataDir, 'temporal', 'civicos-dev.sqlite'),
        logger,
      });
      process.stdout.write(`Temporal dev server (${cli.version.split('\n')[0]}) at ${server.address}\nWeb UI: ${server.uiUrl}\nPress Ctrl-C to stop.\n`);
      const stop = (): void => void server.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('infer')
    .description('Submit one queue-contract payload (validated first; nothing is started for a bad one)')
    .requiredOption('--file <payload.json>', 'JSON file with the queue-contract payload')
    .option('--wait', 'wait for the result')
    .option('--json', 'print machine-readable JSON')
    .action(async (options: { file: string; wait?: boolean; json?: boolean }) => {
      const e = env();
      await inferCommand(() => connectClient(e), options);
    });

  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version' ? 0 : 2);
    fail(error);
  }
}

if (require.main === module || process.argv[1]?.endsWith('civicos.js')) void main(process.argv);
