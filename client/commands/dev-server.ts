import * as path from 'node:path';
import { locateTemporalCli, startDevServer } from '../../deploy/temporal/dev-server';
import { describeCodecKeys, startProjectCodecServer, uiOriginsFor } from './codec-server';
import type { RegisterCommand } from './context';
import { untilSignal } from './worker';

export const registerDevServer: RegisterCommand = (program, ctx) => {
  program
    .command('dev-server')
    .description('Start the Temporal dev server (SQLite in the data directory, Web UI decoding through the codec server, search attributes) and wait')
    .action(async () => {
      const env = ctx.env();
      const cli = await locateTemporalCli();
      // The UI shows ciphertext unless it can decode: the codec server first, so the UI starts pointed at it.
      const codec = await startProjectCodecServer(env, { port: env.codecPort, uiOrigins: uiOriginsFor(env.uiPort), generateDevKey: true, fallbackToFreePort: true });
      const server = await startDevServer({
        codecEndpoint: codec.server.url,
        temporalPath: cli.path,
        port: Number(env.temporalAddress.split(':').pop()),
        uiPort: env.uiPort,
        namespace: env.namespace,
        dbFile: path.join(env.dataDir, 'temporal', 'civicos-dev.sqlite'),
        logger: ctx.logger(),
      });
      process.stdout.write(`Temporal dev server (${cli.version.split('\n')[0]}) at ${server.address}\nWeb UI: ${server.uiUrl} (decodes payloads through ${codec.server.url})\n${describeCodecKeys(codec.keys)}\nPress Ctrl-C to stop.\n`);
      await untilSignal();
      await server.stop();
      await codec.server.close();
    });
};
