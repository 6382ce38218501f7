import { WORKFLOW_NAMES, isWorkflowName } from '../../common/workflow-contracts';
import { InvalidWorkflowInputError, startCivicWorkflow } from '../civic-workflows';
import { startOrRedoDegraded } from '../redo-degraded';
import { CliUsageError, type RegisterCommand } from './context';

interface RunOptions {
  date?: string;
  campaign?: string;
  decision?: string;
  approvalTimeout?: string;
  redoDegraded?: boolean;
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
    .option('--redo-degraded', 'run the key again if its completed run wrote a degraded (data-only) output; moves latest')
    .option('--wait', 'wait for the result')
    .option('--json', 'print machine-readable JSON')
    .action(async (workflow: string, options: RunOptions) => {
      if (!isWorkflowName(workflow)) throw new CliUsageError(`unknown workflow "${workflow}"; known: ${WORKFLOW_NAMES.join(', ')}`);
      let start;
      let redone: boolean | undefined;
      try {
        const client = await ctx.client();
        if (options.redoDegraded) ({ redone, ...start } = await startOrRedoDegraded(client, workflow, runInput(options), ctx.admission()));
        else start = await startCivicWorkflow(client, workflow, runInput(options), ctx.admission());
      } catch (error) {
        if (error instanceof InvalidWorkflowInputError) throw new CliUsageError(error.message);
        throw error;
      }
      const status = (await start.handle.describe()).status.name;
      const redo = redone === undefined ? {} : { redone };
      const note = redone === undefined ? '' : redone ? ' (degraded run redone)' : ' (not degraded: nothing redone)';
      if (!options.wait) {
        process.stdout.write(options.json ? `${JSON.stringify({ workflowId: start.workflowId, status, ...redo })}\n` : `${start.workflowId}: ${status}${note}\n`);
        return;
      }
      const result: unknown = await start.handle.result();
      process.stdout.write(options.json ? `${JSON.stringify({ workflowId: start.workflowId, result, ...redo })}\n` : `${start.workflowId}${note}: ${JSON.stringify(result, null, 2)}\n`);
    });
};
