import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { decideCloud } from '../common/cloud-policy';
import {
  DEFAULT_EXPERIMENTAL_TTL_SECONDS,
  FAILURE,
  NON_RETRYABLE_INFERENCE_FAILURES,
  validateInferencePayload,
  type InferencePayload,
} from '../common/contract';
import {
  inferenceTimeoutMs,
  type FallbackReason,
  type FallbackRecord,
  type InferenceActivities,
  type InferenceResult,
  type ProviderActivities,
  type QueueRecordActivities,
  type RoutingActivities,
} from '../common/inference';
import { laneQueue, PRIORITY_KEY, providerQueue } from '../common/lanes';
import { qualityGateFailure } from '../common/quality-gate';
import { resolveChain, type ResolvedRoute } from '../common/routing-matrix';

const workflowQueueRetry = { maximumAttempts: 5, initialInterval: 500 };
const { recordQueueExpiry } = proxyActivities<QueueRecordActivities>({ startToCloseTimeout: 10_000, retry: workflowQueueRetry });
// Local activities: the matrix read still lands in history (as a marker), without a task-queue
// round trip that an urgent request would otherwise wait for behind a flood on the shared queue.
const { loadRoutingMatrix, recordRoutingEvent } = proxyLocalActivities<RoutingActivities>({ startToCloseTimeout: 10_000, retry: workflowQueueRetry });

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

function fallbackReason(error: unknown): FallbackReason {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure) return 'timeout';
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  if (type === FAILURE.modelNotFound) return 'model_missing';
  // Spend that cannot be read cannot be shown to be inside the envelope.
  if (type === 'CloudBudgetExceeded' || type === 'CloudSpendUnreadable') return 'budget_exceeded';
  if (type === FAILURE.hostBusy || type === FAILURE.hostError || type === FAILURE.hostUnreachable || type === FAILURE.streamInterrupted) return 'unavailable';
  return 'error';
}

function queueTtlMs(request: InferencePayload): number | undefined {
  return request.lane === 'experimental' ? (request.ttl_seconds ?? DEFAULT_EXPERIMENTAL_TTL_SECONDS) * 1000 : undefined;
}

function localActivity(request: InferencePayload, ttlMs: number | undefined) {
  // proxyActivities returns a Proxy: keep it whole (spreading it loses the activity functions).
  return proxyActivities<InferenceActivities>({
    taskQueue: laneQueue(request.lane),
    priority: { priorityKey: PRIORITY_KEY[request.priority] },
    startToCloseTimeout: inferenceTimeoutMs(request.max_tokens),
    ...(ttlMs === undefined ? {} : { scheduleToStartTimeout: ttlMs }),
    // A hung host is noticed within this, well before startToClose.
    heartbeatTimeout: 15_000,
    retry: { maximumAttempts: 5, initialInterval: 500, backoffCoefficient: 2, maximumInterval: 20_000, nonRetryableErrorTypes: NON_RETRYABLE_INFERENCE_FAILURES },
  });
}

/** Cloud and pilot calls run on their provider's lane queue: paused with the lane, concurrency-limited by its worker. */
function providerActivity(request: InferencePayload, provider: string, ttlMs: number | undefined) {
  return proxyActivities<ProviderActivities>({
    taskQueue: providerQueue(provider, request.lane),
    priority: { priorityKey: PRIORITY_KEY[request.priority] },
    startToCloseTimeout: inferenceTimeoutMs(request.max_tokens),
    ...(ttlMs === undefined ? {} : { scheduleToStartTimeout: ttlMs }),
    retry: { maximumAttempts: 3, initialInterval: 1_000, backoffCoefficient: 2, nonRetryableErrorTypes: [...NON_RETRYABLE_INFERENCE_FAILURES, 'CloudBudgetExceeded', 'CloudSpendUnreadable', 'CloudKeyMissing', 'ProviderAuthRefused', 'ProviderMisconfigured'] },
  });
}

/**
 * The one way a workflow calls a model. Reads the routing matrix through an activity (so the
 * version is in history), then walks the alias's chain: lane permission, cloud policy, the call
 * (local models on the lane task queue, OpenAI-compatible providers on their provider's lane
 * queue, both with the request's priority key), and the quality gate. Each route left behind is recorded with a typed
 * reason. Experimental requests carry a queue TTL; one that expires is recorded, never dropped.
 */
export async function infer(payload: unknown): Promise<InferenceResult> {
  const request = validateOrFail(payload);
  const { workflowId } = workflowInfo();
  const { version, matrix } = await loadRoutingMatrix();
  const chain = resolveChain(matrix, request.model);
  const fallbacks: FallbackRecord[] = [];
  let localFailed = false;

  const leave = async (route: ResolvedRoute, index: number, reason: FallbackReason, detail: string, kind: 'fallback' | 'cloud_refused' = 'fallback'): Promise<void> => {
    const to = chain[index + 1]?.alias ?? null;
    fallbacks.push({ from: route.alias, to, reason, detail });
    await recordRoutingEvent({ workflowId, kind, lane: request.lane, taskClass: request.task_class, agentId: request.agent_id, matrixVersion: version, from: route.alias, to, reason, detail });
    if (route.placement === 'local' && reason !== 'lane_forbidden') localFailed = true;
  };

  for (const [index, route] of chain.entries()) {
    if (!route.lanes.includes(request.lane)) {
      await leave(route, index, 'lane_forbidden', `provider ${route.provider} may not serve lane ${request.lane} (matrix v${version})`);
      continue;
    }
    let cloudReason: string | undefined;
    if (route.placement === 'cloud') {
      const decision = decideCloud({ taskClass: request.task_class, premiumTaskClasses: matrix.cloud.premiumTaskClasses, localFailed, directorRequest: request.director_request });
      if (!decision.allowed) {
        await leave(route, index, 'policy_refused', decision.detail, 'cloud_refused');
        continue;
      }
      cloudReason = `${decision.reason}: ${decision.detail}`;
      await recordRoutingEvent({ workflowId, kind: 'cloud_allowed', lane: request.lane, taskClass: request.task_class, agentId: request.agent_id, matrixVersion: version, from: route.alias, to: route.alias, reason: decision.reason, detail: decision.detail });
    }
    const target = { alias: route.alias, provider: route.provider, model: route.model };
    let result: InferenceResult;
    const ttlMs = queueTtlMs(request);
    try {
      result =
        route.kind === 'ollama'
          ? await localActivity(request, ttlMs).runInference({ request, workflowId, route: target })
          : await providerActivity(request, route.provider, ttlMs).runProviderInference({ request, workflowId, route: target, cloudReason });
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (ttlMs !== undefined && expiredInQueue(error)) {
        await recordQueueExpiry({ request, workflowId, waitedMs: ttlMs });
        const queue = route.kind === 'ollama' ? laneQueue(request.lane) : providerQueue(route.provider, request.lane);
        throw ApplicationFailure.create({
          type: FAILURE.queueTtlExpired,
          message: `experimental request waited ${ttlMs / 1000}s in ${queue} without a free slot and expired (ttl_seconds)`,
          nonRetryable: true,
        });
      }
      const reason = fallbackReason(error);
      await leave(route, index, reason, error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error));
      if (index === chain.length - 1) break;
      continue;
    }
    const gate = qualityGateFailure(request, result);
    if (gate) {
      await leave(route, index, 'quality_gate', gate);
      continue;
    }
    if (fallbacks.length) log.warn('inference served by a fallback route', { route: route.alias, fallbacks });
    return { ...result, matrixVersion: version, route: route.alias, fallbacks };
  }
  throw ApplicationFailure.create({
    type: FAILURE.allRoutesFailed,
    message: `every route for ${request.model} failed (matrix v${version}): ${fallbacks.map((f) => `${f.from}: ${f.reason} (${f.detail})`).join('; ')}`,
    nonRetryable: true,
    details: [fallbacks],
  });
}
