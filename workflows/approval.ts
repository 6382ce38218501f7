import { condition, defineQuery, defineUpdate, setHandler } from '@temporalio/workflow';
import { approvalRefusal } from '../common/approvers';

/**
 * Human approval before an irreversible external action (sending comms, submitting a grant).
 * `approve` / `reject` are Temporal Updates: the caller learns at once whether its decision was
 * accepted, and the decision (who, why) is recorded in the workflow history. The validator
 * refuses a decision that is anonymous, unexplained or too early/late, from someone not on the
 * action's approver list, or an approval by the draft's own author, so a refused decision leaves
 * no trace in history. Shared by workflows and the client.
 */
export interface ApprovalCommand {
  /** Who decides: the deciding client's identity (client/approvals.ts sends it, not a free choice). */
  by: string;
  /** Why: required for a rejection, recommended for an approval. */
  reason: string;
}

export interface ApprovalDecision {
  decision: 'approved' | 'rejected';
  by: string;
  reason: string;
  /** Workflow time of the decision (ISO). */
  at: string;
}

/** What the approver is asked to approve. */
export interface ApprovalRequest {
  action: string;
  summary: string;
  /** The full text that will go out. */
  preview: string;
  /** Who started the run that made the draft (its client identity); they cannot approve it. */
  draftedBy: string | null;
  /** Who may decide (configured per action; read through an activity, so it is in history). */
  approvers: string[];
}

export type ApprovalStatus =
  | { state: 'not-requested' }
  | { state: 'pending'; request: ApprovalRequest; deadline: string }
  | { state: 'decided'; request: ApprovalRequest; decision: ApprovalDecision }
  | { state: 'expired'; request: ApprovalRequest; deadline: string };

export const approveUpdate = defineUpdate<ApprovalDecision, [ApprovalCommand]>('approve');
export const rejectUpdate = defineUpdate<ApprovalDecision, [ApprovalCommand]>('reject');
export const approvalStatusQuery = defineQuery<ApprovalStatus>('approvalStatus');

export type ApprovalOutcome = { kind: 'decided'; decision: ApprovalDecision } | { kind: 'expired'; deadline: string };

export interface ApprovalGate {
  /** Asks for a decision and waits for it, at most `timeoutMs`. */
  request(request: ApprovalRequest, timeoutMs: number): Promise<ApprovalOutcome>;
  status(): ApprovalStatus;
}

/**
 * Installs the approval handlers. Call it at the start of the workflow, so that a decision sent
 * before the draft exists is refused with a clear reason rather than "unknown update".
 */
export function installApprovalGate(): ApprovalGate {
  let status: ApprovalStatus = { state: 'not-requested' };

  const validate = (kind: 'approve' | 'reject') => (command: ApprovalCommand) => {
    if (typeof command !== 'object' || command === null) throw new Error('expected { by, reason }');
    if (typeof command.by !== 'string' || !command.by.trim()) throw new Error('by: must name who decides');
    if (typeof command.reason !== 'string') throw new Error('reason: must be a string');
    if (kind === 'reject' && !command.reason.trim()) throw new Error('reason: a rejection must say why');
    if (status.state === 'not-requested') throw new Error('not awaiting approval yet: the draft is still being prepared');
    if (status.state === 'decided') throw new Error(`already ${status.decision.decision} by ${status.decision.by}: ${status.decision.reason}`);
    if (status.state === 'expired') throw new Error(`the approval window closed at ${status.deadline}; nothing was sent`);
    const refusal = approvalRefusal(status.request, kind, command.by);
    if (refusal) throw new Error(refusal);
  };
  const decide = (decision: ApprovalDecision['decision']) => (command: ApprovalCommand): ApprovalDecision => {
    if (status.state !== 'pending') throw new Error(`not awaiting approval (${status.state})`);
    const made: ApprovalDecision = { decision, by: command.by.trim(), reason: command.reason.trim() || 'approved as drafted', at: new Date().toISOString() };
    status = { state: 'decided', request: status.request, decision: made };
    return made;
  };
  setHandler(approveUpdate, decide('approved'), { validator: validate('approve') });
  setHandler(rejectUpdate, decide('rejected'), { validator: validate('reject') });
  setHandler(approvalStatusQuery, () => status);

  return {
    status: () => status,
    async request(request, timeoutMs) {
      const deadline = new Date(Date.now() + timeoutMs).toISOString();
      status = { state: 'pending', request, deadline };
      // Read through a function: TypeScript would keep the narrowing from the assignment above.
      const current = (): ApprovalStatus => status;
      await condition(() => current().state === 'decided', timeoutMs);
      const after = current();
      if (after.state === 'decided') return { kind: 'decided', decision: after.decision };
      status = { state: 'expired', request, deadline };
      return { kind: 'expired', deadline };
    },
  };
}
