import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { validateInferencePayload, type InferencePayload } from '../common/contract';
import type { AlertSink } from '../activities/alerts';
import { laneQueue, PRIORITY_KEY, WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { redactPayloadText } from '../common/payload-redaction';
import { admit, resolveAdmission, type Admission } from './admission';
import { requestSearchAttributes } from '../common/search-attributes';
import { assertSameRequest, PAYLOAD_FINGERPRINT_MEMO, payloadFingerprint } from './idempotency';
import type { inferenceRequest } from '../workflows';
import { canonicalJson } from '../common/canonical-json';
import { ProblemsError } from '../common/failures';

export class InvalidPayloadError extends ProblemsError {
  override readonly name = 'InvalidPayloadError';
  constructor(problems: string[]) {
    super('invalid inference payload', problems);
  }
}

export { QueueFullError } from './admission';

export interface SubmitOptions {
  taskQueue?: string;
  /** Admission caps and the default experimental TTL; default: this process's environment. */
  policy?: Admission['policy'];
  /** Where a refused prod submit is alerted; default: the alert sink of this process's environment. */
  alerts?: AlertSink;
  /** How old the lane's admitted count may be when this submit is admitted against it (see `admit`); default 1 s. */
  countRefreshMs?: number;
}

export interface Submission {
  workflowId: string;
  /** Run of the request; a duplicate submit gets the existing run's (running or closed). */
  runId: string | undefined;
  handle: WorkflowHandle<typeof inferenceRequest>;
}

/** Longest readable part (agent, skill) of a request workflow ID. */
const ID_PART_MAX = 48;

/** A readable part of a workflow ID: letters, digits, dot, dash and underscore; `:` separates parts. */
function idPart(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, ID_PART_MAX) || '-';
}

/**
 * Workflow ID of a request: `inference:<idempotency_key>`, or, for an un-keyed request,
 * `inference:<agent_id>:<calling_skill>:<YYYYMMDD>:<hash>` where the hash covers the whole payload
 * (nested fields too). The UTC day is part of it: the same un-keyed payload tomorrow is a new request.
 */
export function inferenceWorkflowId(payload: InferencePayload, now: Date = new Date()): string {
  if (payload.idempotency_key) return `inference:${payload.idempotency_key}`;
  const hash = createHash('sha256').update(canonicalJson(payload)).digest('hex').slice(0, 16);
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `inference:${idPart(payload.agent_id)}:${idPart(payload.calling_skill)}:${day}:${hash}`;
}

/**
 * The integration helper: validate, then start (or attach to) the `inferenceRequest` workflow.
 * Invalid payloads throw `InvalidPayloadError` before anything reaches Temporal.
 */
export async function submitInference(client: Client, input: unknown, options: SubmitOptions = {}): Promise<Submission> {
  const validation = validateInferencePayload(input);
  if (!validation.ok) throw new InvalidPayloadError(validation.problems);
  // Secrets never enter history: the prompts are redacted before the start request (and the ID's hash) sees them.
  const redacted = redactPayloadText(validation.value);
  const workflowId = inferenceWorkflowId(redacted);
  const admission = resolveAdmission(options);
  const { policy } = admission;
  const payload: InferencePayload =
    redacted.lane === 'experimental' && redacted.ttl_seconds === undefined ? { ...redacted, ttl_seconds: policy.experimentalTtlSeconds } : redacted;
  const reservation = await admit(client, admission, { lane: payload.lane, workflowId, subject: laneQueue(payload.lane), agentId: payload.agent_id });
  try {
    const handle = await client.workflow.start<typeof inferenceRequest>('inferenceRequest', {
      taskQueue: options.taskQueue ?? WORKFLOW_TASK_QUEUE,
      workflowId,
      args: [payload],
      // FAIL, not USE_EXISTING: the SDK does not say whether a start created the run, and only an
      // attach needs the idempotency check (a describe), so an existing run must surface as an error.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Workflow tasks on the shared `civicos` queue are ordered by the request's priority too, so an
      // urgent request's backlog never waits behind an experimental flood's there.
      priority: { priorityKey: PRIORITY_KEY[payload.priority] },
      memo: { [PAYLOAD_FINGERPRINT_MEMO]: payloadFingerprint(payload) },
      // The workflow sets them too (any starter is counted); here they are visible from the start.
      typedSearchAttributes: requestSearchAttributes(payload),
    });
    reservation.settle(true);
    return { workflowId, runId: handle.firstExecutionRunId, handle };
  } catch (error) {
    // The ID has a run (running, or closed and kept by REJECT_DUPLICATE): this submit added no work.
    // Any other error: whether the run exists is unknown, so the next count read decides.
    const duplicate = error instanceof WorkflowExecutionAlreadyStartedError;
    reservation.settle(!duplicate);
    if (!duplicate) throw error;
    return await attach(client, workflowId, payload);
  }
}

/** A duplicate submit attaches to the ID's run (its result when closed), unless its key was used for a different payload. */
async function attach(client: Client, workflowId: string, payload: InferencePayload): Promise<Submission> {
  const handle = client.workflow.getHandle<typeof inferenceRequest>(workflowId);
  const description = await handle.describe();
  assertSameRequest(description.memo, payload);
  return { workflowId, runId: description.runId, handle };
}
