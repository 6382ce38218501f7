/**
 * When a cloud model may be used (Workflow v2): the task class is premium, or the local lane
 * failed its quality/reliability gate, or a director explicitly asked. Pure, so a workflow
 * decides it deterministically; every decision (allowed or refused) is recorded.
 */
import { redactSecrets } from './redact';

const REASON_MAX = 200;

export interface CloudPolicyInput {
  taskClass: string;
  premiumTaskClasses: readonly string[];
  /** A local route of this request already failed (after retries) or failed a quality gate. */
  localFailed: boolean;
  directorRequest?: { requested_by: string; reason: string };
  /** Directors allowed to ask for cloud (CIVICOS_DIRECTORS, read through the routing activity). */
  directors: readonly string[];
}

export type CloudPolicyReason = 'premium_task_class' | 'local_gate_failed' | 'director_request';

export type CloudDecision = { allowed: true; reason: CloudPolicyReason; detail: string } | { allowed: false; reason: 'not_eligible'; detail: string };

export function decideCloud(input: CloudPolicyInput): CloudDecision {
  if (input.premiumTaskClasses.includes(input.taskClass)) {
    return { allowed: true, reason: 'premium_task_class', detail: `task class ${input.taskClass} is premium` };
  }
  if (input.localFailed) return { allowed: true, reason: 'local_gate_failed', detail: 'the local route failed its quality/reliability gate' };
  if (input.directorRequest) {
    // The reason is free text from the payload: it reaches the ledgers and logs redacted and capped.
    const by = input.directorRequest.requested_by;
    const reason = redactSecrets(input.directorRequest.reason).slice(0, REASON_MAX);
    if (!input.directors.includes(by)) {
      return { allowed: false, reason: 'not_eligible', detail: `director_request by ${by} refused: not a director listed in CIVICOS_DIRECTORS; task class ${input.taskClass} is not premium and no local route failed` };
    }
    return { allowed: true, reason: 'director_request', detail: `requested by director ${by}: ${reason}` };
  }
  return {
    allowed: false,
    reason: 'not_eligible',
    detail: `task class ${input.taskClass} is not premium, no local route failed, and no director asked`,
  };
}
