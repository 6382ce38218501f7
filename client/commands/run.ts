import { WORKFLOW_NAMES, isWorkflowName } from '../../common/workflow-contracts';
import { InvalidWorkflowInputError, startCivicWorkflow } from '../civic-workflows';
import { CliUsageError, type RegisterCommand } from './context';

interface RunOptions {
  date?: string;
  campaign?: string;
  decision?: string;
  approvalTimeout?: string;
  wait?: boolean;
  json?: boolean;
}

/** The workflow input from the flags: only the ones given, so the input schema names what is missing. */
export function runInput(options: RunOptions): Record<string, string> {
  return Object.fromEntries(
    Object.entries({ date: options.date, campaignId: options.campaign, decisionId: options.decision, approvalTimeout: options.approvalTimeout }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
}

/** `civicos run <workflow> --date D | --campaign ID | --decision ID [--wait]`: a run under its business key. */
export const registerRun: RegisterCommand = (program, ctx) => {
  program
    .command('run')
    .description(`Start a CivicOS workflow under its business key (a key that already ran is not run again): ${WORKFLOW_NAMES.join(', ')}`)
    .argument('<workflow>', 'workflow name')
    .option('--date <YYYY-MM-DD>', 'business date (donor-digest, grant-deadline-watch, ops-monitor, pilot-grant-summary)')
    .option('--campaign <id>', 'campaign id from the comms-briefs source (comms-draft)')
    .option('--decision <id>', 'decision id from the decisions source (decision-brief)')
    .option('--approval-timeout <duration>', 'shorter approval window for this run, e.g. 2h (comms-draft)')
    .option('--wait', 'wait for the result')
    .option('--json', 'print machine-readable JSON')
    .action(async (workflow: string, options: RunOptions) => {
      if (!isWorkflowName(workflow)) throw new CliUsageError(`unknown workflow "${workflow}"; known: ${WORKFLOW_NAMES.join(', ')}`);
      let start;
      try {
        start = await startCivicWorkflow(await ctx.client(), workflow, runInput(options), ctx.admission());
      } catch (error) {
        if (error instanceof InvalidWorkflowInputError) throw new CliUsageError(error.message);
        throw error;
      }
      const status = (await start.handle.describe()).status.name;
      if (!options.wait) {
        process.stdout.write(options.json ? `${JSON.stringify({ workflowId: start.workflowId, status })}\n` : `${start.workflowId}: ${status}\n`);
        return;
      }
      const result: unknown = await start.handle.result();
      process.stdout.write(options.json ? `${JSON.stringify({ workflowId: start.workflowId, result })}\n` : `${start.workflowId}: ${JSON.stringify(result, null, 2)}\n`);
    });
};
