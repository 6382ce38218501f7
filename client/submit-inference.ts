import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { validateInferencePayload, type InferencePayload } from '../common/contract';
import type { InferenceResult } from '../common/inference';
import type { AlertSink } from '../activities/alerts';
import { loadEnv, type QueuePolicy } from '../common/env';
import { laneQueue, PRIORITY_KEY, WORKFLOW_TASK_QUEUE, type Lane } from '../common/lanes';
import { assertSameRequest, PAYLOAD_FINGERPRINT_MEMO, payloadFingerprint } from './idempotency';
import { admittedCount } from './queue-admin';
import { SA } from '../common/search-attributes';
import type { inferenceRequest } from '../workflows';

export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
  constructor(readonly problems: string[]) {
    super(`invalid inference payload:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The lane's admission cap is reached: nothing was started; retry later or raise the cap. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFull';
  constructor(
    readonly lane: Lane,
    readonly admitted: number,
    readonly cap: number,
  ) {
    super(`QueueFull: lane ${lane} has ${admitted} unfinished requests (cap ${cap}); nothing was submitted. Retry later, or raise CIVICOS_QUEUE_CAP_${lane.toUpperCase()}`);
  }
}

export interface SubmitOptions {
  taskQueue?: string;
  /** Admission caps and the default experimental TTL; defaults are the env defaults. */
  policy?: Pick<QueuePolicy, 'capProd' | 'capExperimental' | 'experimentalTtlSeconds'>;
  /** Where a refused prod submit is alerted. */
  alerts?: AlertSink;
}

export interface Submission {
  workflowId: string;
  /** Run of the request; duplicate submits get the same run. */
  runId: string | undefined;
  handle: WorkflowHandle<typeof inferenceRequest>;
}

/** Workflow ID of a request: its idempotency key, or a stable hash of everything that defines it. */
export function inferenceWorkflowId(payload: InferencePayload): string {
  if (payload.idempotency_key) return `inference:${payload.idempotency_key}`;
  const canonical = JSON.stringify(payload, Object.keys(payload).sort());
  return `inference:sha256-${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

/**
 * The integration helper: validate, then start (or attach to) the `inferenceRequest` workflow.
 * Invalid payloads throw `InvalidPayloadError` before anything reaches Temporal.
 */
export async function submitInference(client: Client, input: unknown, options: SubmitOptions = {}): Promise<Submission> {
  const validation = validateInferencePayload(input);
  if (!validation.ok) throw new InvalidPayloadError(validation.problems);
  const workflowId = inferenceWorkflowId(validation.value);
  const policy = options.policy ?? DEFAULT_POLICY;
  const payload: InferencePayload =
    validation.value.lane === 'experimental' && validation.value.ttl_seconds === undefined
      ? { ...validation.value, ttl_seconds: policy.experimentalTtlSeconds }
      : validation.value;
  await admit(client, workflowId, payload, policy, options.alerts);
  try {
    const handle = await client.workflow.start<typeof inferenceRequest>('inferenceRequest', {
      taskQueue: options.taskQueue ?? WORKFLOW_TASK_QUEUE,
      workflowId,
      args: [payload],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Workflow tasks and the routing activities on the shared `civicos` queue are ordered by the
      // request's priority too, so an urgent request never waits behind an experimental flood there.
      priority: { priorityKey: PRIORITY_KEY[payload.priority] },
      memo: { [PAYLOAD_FINGERPRINT_MEMO]: payloadFingerprint(payload) },
      typedSearchAttributes: [
        { key: SA.Lane, value: payload.lane },
        { key: SA.Priority, value: payload.priority },
        { key: SA.JobType, value: 'inference-request' },
        { key: SA.AgentId, value: payload.agent_id },
        { key: SA.CallingSkill, value: payload.calling_skill },
        { key: SA.Model, value: payload.model },
        ...(payload.experiment_tag ? [{ key: SA.ExperimentTag, value: payload.experiment_tag }] : []),
      ],
    });
    await assertSameRequest(handle, payload);
    return { workflowId, runId: handle.firstExecutionRunId, handle };
  } catch (error) {
    // A finished run with the same ID: the request was already served; attach to its result.
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      const handle = client.workflow.getHandle<typeof inferenceRequest>(workflowId);
      await assertSameRequest(handle, payload);
      return { workflowId, runId: undefined, handle };
    }
    throw error;
  }
}

const DEFAULT_POLICY = loadEnv({}).queue;

/**
 * Admission control: a lane holds at most its cap of unfinished requests. A duplicate of an
 * admitted request is never refused (it attaches to the existing run).
 */
async function admit(client: Client, workflowId: string, payload: InferencePayload, policy: NonNullable<SubmitOptions['policy']>, alerts?: AlertSink): Promise<void> {
  const cap = payload.lane === 'prod' ? policy.capProd : policy.capExperimental;
  const admitted = await admittedCount(client, payload.lane);
  if (admitted < cap) return;
  const existing = await client.workflow.count(`WorkflowId = "${workflowId}"`);
  if (existing.count > 0) return;
  const error = new QueueFullError(payload.lane, admitted, cap);
  if (payload.lane === 'prod') {
    await alerts?.send({ kind: 'queue_full', severity: 'critical', lane: 'prod', subject: laneQueue('prod'), message: error.message, details: { admitted, cap, agentId: payload.agent_id } });
  }
  throw error;
}

export async function submitAndWait(client: Client, input: unknown): Promise<{ workflowId: string; result: InferenceResult }> {
  const submission = await submitInference(client, input);
  return { workflowId: submission.workflowId, result: await submission.handle.result() };
}
