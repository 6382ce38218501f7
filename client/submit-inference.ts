import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { validateInferencePayload, type InferencePayload } from '../common/contract';
import type { InferenceResult } from '../common/inference';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { SA } from '../common/search-attributes';
import type { inferenceRequest } from '../workflows';

export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
  constructor(readonly problems: string[]) {
    super(`invalid inference payload:\n  - ${problems.join('\n  - ')}`);
  }
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
export async function submitInference(client: Client, input: unknown, options: { taskQueue?: string } = {}): Promise<Submission> {
  const validation = validateInferencePayload(input);
  if (!validation.ok) throw new InvalidPayloadError(validation.problems);
  const payload = validation.value;
  const workflowId = inferenceWorkflowId(payload);
  try {
    const handle = await client.workflow.start<typeof inferenceRequest>('inferenceRequest', {
      taskQueue: options.taskQueue ?? WORKFLOW_TASK_QUEUE,
      workflowId,
      args: [payload],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
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
    return { workflowId, runId: handle.firstExecutionRunId, handle };
  } catch (error) {
    // A finished run with the same ID: the request was already served; attach to its result.
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      return { workflowId, runId: undefined, handle: client.workflow.getHandle<typeof inferenceRequest>(workflowId) };
    }
    throw error;
  }
}

export async function submitAndWait(client: Client, input: unknown): Promise<{ workflowId: string; result: InferenceResult }> {
  const submission = await submitInference(client, input);
  return { workflowId: submission.workflowId, result: await submission.handle.result() };
}
