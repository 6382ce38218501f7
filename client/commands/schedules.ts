import { SCHEDULES } from '../../config/schedules';
import { ScheduleDefinitionError } from '../../common/schedule-definition';
import { applySchedules, formatScheduleRows, listSchedules } from '../schedules';
import { CliUsageError, type RegisterCommand } from './context';

/** `civicos schedules apply|list`: the schedules of config/schedules.ts, replacing cron. */
export const registerSchedules: RegisterCommand = (program, ctx) => {
  const schedules = program.command('schedules').description('Schedules as data (config/schedules.ts) instead of cron');
  schedules
    .command('apply')
    .description('Create or update the Temporal schedules to match config/schedules.ts (idempotent)')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--prune', 'delete schedules created by this command that are no longer defined')
    .option('--json', 'print machine-readable JSON')
    .action(async (options: { dryRun?: boolean; prune?: boolean; json?: boolean }) => {
      const results = await withDefinitions(async () => applySchedules(await ctx.client(), SCHEDULES, { dryRun: options.dryRun, prune: options.prune }));
      if (options.json) process.stdout.write(`${JSON.stringify(results)}\n`);
      else process.stdout.write(`${results.map((r) => `${r.action.padEnd(9)} ${r.id}${r.detail ? `  (${r.detail})` : ''}`).join('\n')}\n${options.dryRun ? '(dry run: nothing changed)\n' : ''}`);
    });
  schedules
    .command('list')
    .description('Each schedule: state, next and last run, missed and skipped counts')
    .option('--json', 'print machine-readable JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await withDefinitions(async () => listSchedules(await ctx.client(), SCHEDULES));
      process.stdout.write(options.json ? `${JSON.stringify(rows)}\n` : `${formatScheduleRows(rows)}\n`);
    });
};

async function withDefinitions<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ScheduleDefinitionError) throw new CliUsageError(`config/schedules.ts: ${error.message}`);
    throw error;
  }
}
