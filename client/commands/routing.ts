import * as os from 'node:os';
import { RoutingMatrixError, RoutingStore } from '../../stores/routing-store';
import { resolveChain } from '../../common/route-chain';
import { runSmokeTest, type SmokeReport } from '../smoke';
import { CliUsageError, type CliContext, type RegisterCommand } from './context';
import { readJsonFile } from './infer';

const defaultIdentity = (): string => `${os.userInfo().username}@${os.hostname()}`;

async function smoke(ctx: CliContext): Promise<SmokeReport> {
  const report = await runSmokeTest(await ctx.client(), ctx.admission());
  process.stdout.write(`smoke test ${report.ok ? 'PASSED' : 'FAILED'} (${report.workflowId}): ${report.detail}\n`);
  if (!report.ok) process.exitCode = 1;
  return report;
}

/** `civicos routing show|set|rollback` and `civicos smoke`: the routing part of the runbook. */
export const registerRouting: RegisterCommand = (program, ctx) => {
  const routing = program.command('routing').description('The versioned routing matrix: show, set a new version, roll back');
  const store = (): RoutingStore => new RoutingStore(ctx.env().dataDir);
  const refused = (error: unknown): never => {
    if (error instanceof RoutingMatrixError) throw new CliUsageError(`${error.message}\nThe current version stays in force.`);
    throw error;
  };

  routing
    .command('show')
    .description('Print the current version, its aliases with their fallback chains, and the history')
    .option('--json', 'print the whole matrix as JSON')
    .action((options: { json?: boolean }) => {
      const { version, matrix } = store().current();
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ version, matrix, history: store().history() }, null, 2)}\n`);
        return;
      }
      const lines = [`routing matrix v${version}: ${matrix.description}`];
      for (const alias of Object.keys(matrix.aliases)) {
        const chain = resolveChain(matrix, alias);
        lines.push(`  ${alias.padEnd(22)} → ${chain.map((r) => `${r.provider}:${r.model}${r.placement === 'cloud' ? ' (cloud, by policy)' : ''}`).join('  ⇒  ')}`);
      }
      lines.push(`  cloud: premium task classes [${matrix.cloud.premiumTaskClasses.join(', ')}], budget ${matrix.cloud.monthlyBudgetUsd} USD/month, ${matrix.cloud.maxRequestsPerDay} calls/day`);
      lines.push('history:', ...store().history().map((e) => `  ${e.ts} ${e.action} → v${e.version}${e.previous ? ` (from v${e.previous})` : ''} by ${e.by}`));
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  routing
    .command('set <file>')
    .description('Validate a matrix file and make it the new current version (refused with field-named errors otherwise)')
    .option('--by <name>', 'who changes routing', defaultIdentity())
    .action((file: string, options: { by: string }) => {
      const input = readJsonFile(file, 'a routing matrix as JSON (see `civicos routing show --json`)');
      try {
        const { version, previous } = store().set(input, options.by);
        process.stdout.write(`routing matrix v${version} is current (was v${previous}); roll back with \`civicos routing rollback\`\n`);
      } catch (error) {
        refused(error);
      }
    });

  routing
    .command('rollback')
    .description('Point back to the previous version, then run the smoke test on local/qwen-14b')
    .option('--by <name>', 'who rolls back', defaultIdentity())
    .option('--no-smoke', 'skip the smoke test')
    .action(async (options: { by: string; smoke: boolean }) => {
      try {
        const { version, from } = store().rollback(options.by);
        process.stdout.write(`rolled back routing: v${from} → v${version}\n`);
      } catch (error) {
        refused(error);
      }
      if (options.smoke) await smoke(ctx);
    });

  program
    .command('smoke')
    .description('Smoke test: one prod inference on local/qwen-14b end to end; exit 1 if it fails')
    .action(async () => {
      await smoke(ctx);
    });
};
