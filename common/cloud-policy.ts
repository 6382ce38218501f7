/**
 * When a cloud model may be used (Workflow v2): the task class is premium, or the local lane
 * failed its quality/reliability gate, or a director explicitly asked. Pure, so a workflow
 * decides it deterministically; every decision (allowed or refused) is recorded.
 */
export interface CloudPolicyInput {
  taskClass: string;
  premiumTaskClasses: readonly string[];
  /** A local route of this request already failed (after retries) or failed a quality gate. */
  localFailed: boolean;
  directorRequest?: { requested_by: string; reason: string };
}

export type CloudPolicyReason = 'premium_task_class' | 'local_gate_failed' | 'director_request';

export type CloudDecision = { allowed: true; reason: CloudPolicyReason; detail: string } | { allowed: false; reason: 'not_eligible'; detail: string };

export function decideCloud(input: CloudPolicyInput): CloudDecision {
  if (input.premiumTaskClasses.includes(input.taskClass)) {
    return { allowed: true, reason: 'premium_task_class', detail: `task class ${input.taskClass} is premium` };
  }
  if (input.localFailed) return { allowed: true, reason: 'local_gate_failed', detail: 'the local route failed its quality/reliability gate' };
  if (input.directorRequest) {
    return { allowed: true, reason: 'director_request', detail: `requested by director ${input.directorRequest.requested_by}: ${input.directorRequest.reason}` };
  }
  return {
    allowed: false,
    reason: 'not_eligible',
    detail: `task class ${input.taskClass} is not premium, no local route failed, and no director asked`,
  };
}
