import { ApplicationFailure } from '@temporalio/activity';
import type { ApproverConfig } from '../common/approvers';
import { CIVIC_FAILURE } from '../common/failures';

/**
 * The approver allow-list, as the worker was configured (config/approvers.ts or
 * CIVICOS_APPROVERS). A workflow reads it through this activity when it asks for a decision, so
 * the list it enforced is in its history.
 */
export function createApproverActivities(deps: { approvers: ApproverConfig }) {
  return {
    async approversFor(action: string): Promise<string[]> {
      const approvers = deps.approvers[action];
      if (!approvers?.length) {
        throw ApplicationFailure.nonRetryable(`no approvers are configured for ${action}: nobody could decide. Fix: list them in config/approvers.ts or CIVICOS_APPROVERS`, CIVIC_FAILURE.approversMissing);
      }
      return [...approvers];
    },
  };
}
