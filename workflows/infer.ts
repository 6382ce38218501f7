import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure, workflowInfo } from '@temporalio/workflow';
import {
  DEFAULT_EXPERIMENTAL_TTL_SECONDS,
  FAILURE,
  NON_RETRYABLE_INFERENCE_FAILURES,
  validateInferencePayload,
  type InferencePayload,
} from '../common/contract';
import { inferenceTimeoutMs, type InferenceActivities, type InferenceResult, type QueueRecordActivities } from '../common/inference';
import { laneQueue, PRIORITY_KEY } from '../common/lanes';

const { recordQueueExpiry } = proxyActivities<QueueRecordActivities>({
  startToCloseTimeout: 10_000,
  retry: { maximumAttempts: 5, initialInterval: 500 },
});

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

function expiredInQueue(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_START';
}

/**
 * The one way a workflow calls a model: runs the inference activity on the lane's task queue
 * with the lane's Temporal priority key, a finite retry policy and timeouts sized by max_tokens.
 * Experimental requests carry a queue time-to-live; one that expires is recorded, never dropped.
 */
export async function infer(payload: unknown): Promise<InferenceResult> {
  const request = validateOrFail(payload);
  const ttlMs = request.lane === 'experimental' ? (request.ttl_seconds ?? DEFAULT_EXPERIMENTAL_TTL_SECONDS) * 1000 : undefined;
  const { runInference } = proxyActivities<InferenceActivities>({
    taskQueue: laneQueue(request.lane),
    priority: { priorityKey: PRIORITY_KEY[request.priority] },
    startToCloseTimeout: inferenceTimeoutMs(request.max_tokens),
    ...(ttlMs === undefined ? {} : { scheduleToStartTimeout: ttlMs }),
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
  const { workflowId } = workflowInfo();
  try {
    return await runInference({ request, workflowId });
  } catch (error) {
    if (ttlMs === undefined || !expiredInQueue(error)) throw error;
    await recordQueueExpiry({ request, workflowId, waitedMs: ttlMs });
    throw ApplicationFailure.create({
      type: FAILURE.queueTtlExpired,
      message: `experimental request waited ${ttlMs / 1000}s in ${laneQueue(request.lane)} without a free slot and expired (ttl_seconds)`,
      nonRetryable: true,
    });
  }
}
