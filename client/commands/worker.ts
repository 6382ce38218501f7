import { Option } from 'commander';
import { runWorkers } from '../../workers/run-workers';
import { configuredModelHosts } from '../../workers/model-hosts';
import { installTelemetry } from '../../workers/telemetry';
import type { RegisterCommand } from './context';

/**
 * Resolves on the first SIGINT/SIGTERM and keeps handling later ones (ignored) until exit: a
 * terminal's Ctrl-C reaches this process twice (directly and relayed by tsx/npm), and a second,
 * unhandled SIGINT would kill the process halfway through an orderly shutdown.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (first) return;
      first = signal;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** `civicos worker`: the workflow worker plus one inference worker per configured model host. */
export const registerWorker: RegisterCommand = (program, ctx) => {
  program
    .command('worker')
    .description('Run the workflow worker and the inference workers (one per model host in CIVICOS_MODEL_HOSTS / OLLAMA_HOST)')
    .addOption(new Option('--role <role>', 'all; workflows (workflow worker + queue monitor); inference (model hosts only, e.g. on a GPU box)').choices(['all', 'workflows', 'inference']).default('all'))
    .action(async (options: { role: 'all' | 'workflows' | 'inference' }) => {
      const env = ctx.env();
      const logger = ctx.logger();
      const { metricsUrl } = installTelemetry({ logger, metricsPort: env.metricsPort });
      const hosts = options.role === 'workflows' ? [] : configuredModelHosts(env);
      const workers = await runWorkers({ env, logger, hosts, workflows: options.role !== 'inference' });
      logger.info('workers running', { hosts: hosts.map((h) => `${h.name}=${h.url}/${h.slots}`), metricsUrl });
      process.stdout.write(`workers running (role ${options.role}; hosts: ${hosts.map((h) => h.name).join(', ') || 'none'}); Ctrl-C stops them\n`);
      const stopped = await Promise.race([untilSignal(), workers.done.then(() => 'done' as const)]);
      if (stopped !== 'done') await workers.shutdown();
    });
};
