import { renderSloMarkdown } from '../../activities/slo/render-markdown';
import { outputsRoot } from '../../stores/outputs';
import { parseSloDate, runSloReport } from '../slo';
import { CliUsageError, type RegisterCommand } from './context';

/** `civicos slo [--date YYYY-MM-DD] [--json]`: the daily SLO report, on demand (the workers compute it). */
export const registerSlo: RegisterCommand = (program, ctx) => {
  program
    .command('slo')
    .description('The SLO report of a UTC day (default today so far): SLOs, waits, jobs, fallbacks, models, schedules; written under <data>/outputs/slo/<date>/')
    .option('--date <YYYY-MM-DD>', 'the UTC day to report')
    .option('--json', 'print the report as JSON')
    .action(async (options: { date?: string; json?: boolean }) => {
      let date: string;
      try {
        date = parseSloDate(options.date);
      } catch (error) {
        throw new CliUsageError((error as Error).message);
      }
      const { report, files } = await runSloReport(await ctx.client(), date);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...report, files }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${renderSloMarkdown(report)}\nFiles (under ${outputsRoot(ctx.env().dataDir)}): ${files.markdown}, ${files.json}, ${files.html}${files.unchanged ? ' (unchanged)' : ''}\n`);
    });
};
