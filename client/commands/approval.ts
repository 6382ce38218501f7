import { sameIdentity } from '../../common/approvers';
import { contractFor, WORKFLOW_NAMES } from '../../common/workflow-contracts';
import { approvalStatus, ApprovalRefusedError, decide, formatApprovalStatus, pendingApprovals } from '../approvals';
import { CliUsageError, type RegisterCommand } from './context';

/** Workflows with an approval gate, i.e. whose contract names an irreversible action. */
const GATED = WORKFLOW_NAMES.filter((name) => contractFor(name).approval);

/**
 * `civicos approve|reject <workflowId> --reason <why>` and `civicos approval list|show`. The
 * decision is made as this client's identity (CIVICOS_IDENTITY, else the OS user); `--by`, if
 * given, must name that same identity: it cannot choose whom the decision is recorded for.
 */
export const registerApproval: RegisterCommand = (program, ctx) => {
  for (const decision of ['approve', 'reject'] as const) {
    const command = program
      .command(decision)
      .description(decision === 'approve' ? 'Approve the irreversible action a workflow waits for (e.g. sending a comms draft)' : 'Reject it: nothing is sent')
      .argument('<workflowId>', 'the waiting workflow, e.g. comms-draft:giving-tuesday-2026')
      .option('--by <identity>', 'optional check: must equal your identity (CIVICOS_IDENTITY, else the OS user), which is what is recorded');
    if (decision === 'approve') command.option('--reason <text>', 'why (recorded; default "approved as drafted")');
    else command.requiredOption('--reason <text>', 'why (required, recorded)');
    command.action(async (workflowId: string, options: { by?: string; reason?: string }) => {
        const identity = ctx.env().identity;
        if (options.by !== undefined && !sameIdentity(options.by, identity)) {
          throw new CliUsageError(`--by ${JSON.stringify(options.by)} is not your identity "${identity}": a decision is recorded under the deciding client's identity (CIVICOS_IDENTITY, else the OS user). Fix: drop --by, or run it as that person`);
        }
        try {
          const made = await decide(await ctx.client(), workflowId, decision, { reason: options.reason ?? '' });
          process.stdout.write(`${workflowId}: ${made.decision} by ${made.by} at ${made.at}: ${made.reason}\n`);
        } catch (error) {
          if (error instanceof ApprovalRefusedError) throw new CliUsageError(error.message);
          throw error;
        }
      });
  }
  const approval = program.command('approval').description('What waits for a human decision');
  approval
    .command('list')
    .description(`Running workflows awaiting approval (${GATED.join(', ')})`)
    .option('--json', 'print machine-readable JSON')
    .action(async (options: { json?: boolean }) => {
      const pending = await pendingApprovals(await ctx.client(), GATED);
      if (options.json) process.stdout.write(`${JSON.stringify(pending)}\n`);
      else process.stdout.write(pending.length ? `${pending.map((p) => (p.status.state === 'pending' ? `${p.workflowId}  until ${p.status.deadline}  ${p.status.request.summary}` : p.workflowId)).join('\n')}\n` : 'nothing awaits approval\n');
    });
  approval
    .command('show')
    .description('The draft and approval state of one workflow')
    .argument('<workflowId>')
    .option('--json', 'print machine-readable JSON')
    .action(async (workflowId: string, options: { json?: boolean }) => {
      const status = await approvalStatus(await ctx.client(), workflowId);
      process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : `${formatApprovalStatus(workflowId, status)}\n`);
    });
};
