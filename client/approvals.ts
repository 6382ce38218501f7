import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { approveUpdate, rejectUpdate, type ApprovalCommand, type ApprovalDecision, type ApprovalStatus } from '../workflows/approval';

export { approvalStatus, pendingApprovals, type PendingApproval } from '../platform/approvals';

/** The workflow refused the decision (validator): not an approver, the drafter, unexplained, too early, or already decided. */
export class ApprovalRefusedError extends Error {
  override readonly name = 'ApprovalRefusedError';
}

/**
 * Sends an approve/reject Update and waits for the workflow to accept it. Who decides is this
 * client's identity (the OS user or CIVICOS_IDENTITY for the CLI; in production the mTLS
 * principal), the same identity the server records on the update request; the caller chooses
 * only the reason. The decision, with who and why, is then part of the workflow's history.
 */
export async function decide(client: Client, workflowId: string, decision: 'approve' | 'reject', command: Pick<ApprovalCommand, 'reason'>): Promise<ApprovalDecision> {
  const handle = client.workflow.getHandle(workflowId);
  const update: ApprovalCommand = { by: client.options.identity, reason: command.reason };
  try {
    return await handle.executeUpdate(decision === 'approve' ? approveUpdate : rejectUpdate, { args: [update] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      throw new ApprovalRefusedError(`${workflowId} refused the ${decision}: ${cause}`);
    }
    if (error instanceof WorkflowNotFoundError || /not found|already completed/i.test(String(error))) {
      throw new ApprovalRefusedError(`${workflowId}: no running workflow with this ID is awaiting approval (${(error as Error).message})`);
    }
    throw error;
  }
}

export function formatApprovalStatus(workflowId: string, status: ApprovalStatus): string {
  switch (status.state) {
    case 'not-requested':
      return `${workflowId}: not awaiting approval (the draft is still being prepared)`;
    case 'pending':
      return (
        `${workflowId}: AWAITING APPROVAL until ${status.deadline} (${status.request.action}; drafted by ${status.request.draftedBy ?? 'unknown'}; approvers: ${status.request.approvers.join(', ')})\n` +
        `${status.request.summary}\n\n${status.request.preview}`
      );
    case 'decided':
      return `${workflowId}: ${status.decision.decision} by ${status.decision.by} at ${status.decision.at}: ${status.decision.reason}`;
    case 'expired':
      return `${workflowId}: approval window closed at ${status.deadline}; nothing was sent`;
  }
}
