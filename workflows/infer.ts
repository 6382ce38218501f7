import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { FAILURE, NON_RETRYABLE_INFERENCE_FAILURES, validateInferencePayload, type InferencePayload } from '../common/contract';
import { inferenceTimeoutMs, type InferenceActivities, type InferenceResult } from '../common/inference';
import { laneQueue, PRIORITY_KEY } from '../common/lanes';

/** Validate a payload inside the workflow; bad input is a non-retryable, typed failure. */
export function validateOrFail(payload: unknown): InferencePayload {
  const validation = validateInferencePayload(payload);
  if (!validation.ok) {
    throw ApplicationFailure.create({
      type: FAILURE.invalidPayload,
      message: `invalid inference payload: ${validation.problems.join('; ')}`,
      nonRetryable: true,
      details: [validation.problems],
    });
  }
  return validation.value;
}

/**
 * The one way a workflow calls a model: runs the inference activity on the lane's task queue
 * with the lane's Temporal priority key, a finite retry policy and timeouts sized by max_tokens.
 */
export async function infer(payload: unknown): Promise<InferenceResult> {
  const request = validateOrFail(payload);
  const timeoutMs = inferenceTimeoutMs(request.max_tokens);
  const { runInference } = proxyActivities<InferenceActivities>({
    taskQueue: laneQueue(request.lane),
    priority: { priorityKey: PRIORITY_KEY[request.priority] },
    startToCloseTimeout: timeoutMs,
    // A hung host is noticed within this, well before startToClose.
    heartbeatTimeout: 15_000,
    retry: {
      maximumAttempts: 5,
      initialInterval: 500,
      backoffCoefficient: 2,
      maximumInterval: 20_000,
      nonRetryableErrorTypes: NON_RETRYABLE_INFERENCE_FAILURES,
    },
  });
  return await runInference({ request, workflowId: workflowInfo().workflowId });
}
