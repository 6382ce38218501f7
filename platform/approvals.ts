import type { Client } from '@temporalio/client';
import { SA } from '../common/search-attributes';
import { approvalStatusQuery, type ApprovalStatus } from '../workflows/approval';

/** Reading approval gates (the CLI's `approval list|status` and the SLO report's pending approvals). */

export async function approvalStatus(client: Client, workflowId: string): Promise<ApprovalStatus> {
  return await client.workflow.getHandle(workflowId).query(approvalStatusQuery);
}

export interface PendingApproval {
  workflowId: string;
  jobType: string;
  /** When the run started (the request comes one model call later). */
  since: string;
  status: ApprovalStatus;
}

/** Running workflows that wait for a decision (every workflow with the approval gate answers the query). */
export async function pendingApprovals(client: Client, jobTypes: string[]): Promise<PendingApproval[]> {
  if (jobTypes.length === 0) return [];
  const query = `ExecutionStatus = "Running" AND JobType IN (${jobTypes.map((t) => `"${t}"`).join(', ')})`;
  const pending: PendingApproval[] = [];
  for await (const execution of client.workflow.list({ query })) {
    const status = await approvalStatus(client, execution.workflowId).catch(() => undefined);
    if (status?.state === 'pending') pending.push({ workflowId: execution.workflowId, jobType: execution.typedSearchAttributes.get(SA.JobType) ?? '', since: execution.startTime.toISOString(), status });
  }
  return pending;
}
