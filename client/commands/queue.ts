import * as os from 'node:os';
import { Option } from 'commander';
import { laneQueue } from '../../common/lanes';
import { pauseLanes, resumeLanes, selectLanes, type LaneSelector } from '../../platform/lane-admin';
import { formatQueueStatus, queueStatus, routedProviders, whereThePauseShows } from '../queue-admin';
import { CliUsageError, type RegisterCommand } from './context';

const laneOption = () => new Option('--lane <lane>', 'prod, experimental or all').choices(['prod', 'experimental', 'all']).default('all');
const defaultIdentity = (): string => `${os.userInfo().username}@${os.hostname()}`;

/** `civicos queue pause|resume|status`: the runbook's queue controls. */
export const registerQueue: RegisterCommand = (program, ctx) => {
  const queue = program.command('queue').description('Pause, resume and inspect the inference lanes (server-side, all hosts)');

  queue
    .command('pause')
    .description('Pause a lane (its inference queue and its cloud/pilot provider queues): tasks wait durably in Temporal until resume')
    .addOption(laneOption())
    .requiredOption('--reason <text>', 'why (shown in status and alerts)')
    .option('--by <name>', 'who pauses', defaultIdentity())
    .action(async (options: { lane: LaneSelector; reason: string; by: string }) => {
      if (!options.reason.trim()) throw new CliUsageError('--reason: must not be empty. Fix: say why the lane is paused, e.g. --reason "GPU maintenance"');
      await pauseLanes(await ctx.client(), { lanes: options.lane, reason: options.reason.trim(), by: options.by, providers: routedProviders(ctx.env().dataDir) });
      ctx.logger().warn('lane paused', { lanes: options.lane, by: options.by, reason: options.reason });
      process.stdout.write(`paused ${options.lane} (by ${options.by}: ${options.reason})\n`);
      for (const lane of selectLanes(options.lane)) process.stdout.write(`${lane}: ${whereThePauseShows(laneQueue(lane))}\n`);
    });

  queue
    .command('resume')
    .description('Resume a paused lane')
    .addOption(laneOption())
    .option('--by <name>', 'who resumes', defaultIdentity())
    .action(async (options: { lane: LaneSelector; by: string }) => {
      await resumeLanes(await ctx.client(), { lanes: options.lane, by: options.by, providers: routedProviders(ctx.env().dataDir) });
      ctx.logger().info('lane resumed', { lanes: options.lane, by: options.by });
      process.stdout.write(`resumed ${options.lane}\n`);
    });

  queue
    .command('status')
    .description('Per lane: paused?, backlog and age, dispatch rate, in flight, slots per host, queue wait p50/p95 (15 min)')
    .option('--json', 'print machine-readable JSON')
    .action(async (options: { json?: boolean }) => {
      const status = await queueStatus(await ctx.client(), ctx.env().dataDir);
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatQueueStatus(status)}\n`);
    });
};
