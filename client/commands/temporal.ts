import { spawn } from 'node:child_process';
import { locateTemporalCli } from '../../deploy/temporal/dev-server';
import { ExitWith, type RegisterCommand } from './context';

/**
 * `civicos temporal …`: the official Temporal CLI the project installed (or found on PATH), with
 * the arguments unchanged and `TEMPORAL_ADDRESS`/`TEMPORAL_NAMESPACE` from our configuration, so
 * README commands run on a fresh clone without putting the CLI on PATH first.
 */
export const registerTemporal: RegisterCommand = (program, ctx) => {
  program
    .command('temporal')
    .description('Run the Temporal CLI the project installed (~/.cache/civicos/bin/temporal), against TEMPORAL_ADDRESS')
    .argument('[args...]', 'arguments for `temporal`, unchanged (e.g. workflow list --query \'Lane="prod"\')')
    .helpOption(false)
    .allowUnknownOption()
    .passThroughOptions()
    .action(async (args: string[]) => {
      const env = ctx.env();
      const cli = await locateTemporalCli();
      const child = spawn(cli.path, args, {
        stdio: 'inherit',
        env: { ...process.env, TEMPORAL_ADDRESS: env.temporalAddress, TEMPORAL_NAMESPACE: env.namespace },
      });
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
      });
      if (code !== 0) throw new ExitWith(code);
    });
};
