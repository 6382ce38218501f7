import * as path from 'node:path';
import { locateTemporalCli, startDevServer } from '../../deploy/temporal/dev-server';
import type { RegisterCommand } from './context';
import { untilSignal } from './worker';

export const registerDevServer: RegisterCommand = (program, ctx) => {
  program
    .command('dev-server')
    .description('Start the Temporal dev server (SQLite in the data directory, Web UI, search attributes) and wait')
    .action(async () => {
      const env = ctx.env();
      const cli = await locateTemporalCli();
      const server = await startDevServer({
        temporalPath: cli.path,
        port: Number(env.temporalAddress.split(':').pop()),
        uiPort: env.uiPort,
        namespace: env.namespace,
        dbFile: path.join(env.dataDir, 'temporal', 'civicos-dev.sqlite'),
        logger: ctx.logger(),
      });
      process.stdout.write(`Temporal dev server (${cli.version.split('\n')[0]}) at ${server.address}\nWeb UI: ${server.uiUrl}\nPress Ctrl-C to stop.\n`);
      await untilSignal();
      await server.stop();
    });
};
