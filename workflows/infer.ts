import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { decideCloud } from '../common/cloud-policy';
import {
  DEFAULT_EXPERIMENTAL_TTL_SECONDS,
  validateInferencePayload,
  type InferencePayload,
} from '../common/contract';
import {
  inferenceTimeoutMs,
  type HostDownDetails,
  type RouteOverride,
  type RouteTarget,
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
import type { RoutingMatrix } from '../common/routing-matrix';
import { resolveChain, type ResolvedRoute } from '../common/route-chain';
import { FAILURE, MODEL_TIMEOUT, NON_RETRYABLE_INFERENCE_FAILURES, NON_RETRYABLE_PROVIDER_FAILURES, PROVIDER_FAILURE, WAIT_FAILURE } from '../common/failures';
import { redactPayloadText } from '../common/payload-redaction';

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
  // A start that skipped the client (the `temporal` CLI) still keeps secrets out of activity inputs.
  return redactPayloadText(validation.value);
}

function expiredInQueue(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_START';
}

function fallbackReason(error: unknown): FallbackReason {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure) return 'timeout';
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  if (type === MODEL_TIMEOUT) return 'timeout';
  if (type === WAIT_FAILURE.hostDown) return 'host_down';
  if (type === FAILURE.modelNotFound) return 'model_missing';
  // Spend that cannot be read cannot be shown to be inside the envelope.
  if (type === PROVIDER_FAILURE.budgetExceeded || type === PROVIDER_FAILURE.spendUnreadable) return 'budget_exceeded';
  if (type === FAILURE.hostBusy || type === FAILURE.hostError || type === FAILURE.hostUnreachable || type === FAILURE.streamInterrupted) return 'unavailable';
  return 'error';
}

function queueTtlMs(request: InferencePayload): number | undefined {
  return request.lane === 'experimental' ? (request.ttl_seconds ?? DEFAULT_EXPERIMENTAL_TTL_SECONDS) * 1000 : undefined;
}

/** The lane inference activity (an ordinary activity on the lane queue the model host's worker serves; not a local activity). */
function laneInferenceActivity(request: InferencePayload, scheduleToStartMs: number | undefined) {
  // proxyActivities returns a Proxy: keep it whole (spreading it loses the activity functions).
  return proxyActivities<InferenceActivities>({
    taskQueue: laneQueue(request.lane),
    priority: { priorityKey: PRIORITY_KEY[request.priority] },
    startToCloseTimeout: inferenceTimeoutMs(request.max_tokens),
    ...(scheduleToStartMs === undefined ? {} : { scheduleToStartTimeout: Math.max(1, Math.ceil(scheduleToStartMs)) }),
    // Heartbeats mean progress (tokens, or a host answering while it loads): a dead worker is noticed within this.
    heartbeatTimeout: 15_000,
    retry: { maximumAttempts: 5, initialInterval: 500, backoffCoefficient: 2, maximumInterval: 20_000, nonRetryableErrorTypes: NON_RETRYABLE_INFERENCE_FAILURES },
  });
}

/** Pause before scheduling a call again after a wait outcome (the task then waits in the lane queue). */
const WAIT_PAUSE_MS: Record<string, number> = { [WAIT_FAILURE.preempted]: 2_000, [WAIT_FAILURE.hostDown]: 1_000 };

/** What a prod request knows of a host outage, across the routes of its chain. */
interface Outage {
  seen?: { at: number; details: HostDownDetails | undefined; waitMs: number };
}

type LocalOutcome =
  | { kind: 'ok'; result: InferenceResult }
  | { kind: 'expired'; waitedMs: number }
  | { kind: 'failed'; reason: FallbackReason; detail: string }
  /** Asked to resolve the route, the lane worker found the chain does not start with a local route for the lane. */
  | { kind: 'unresolved' };

function routeNotLocal(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === FAILURE.routeNotLocal;
}

function waitOutcome(error: unknown): { type: string; details: HostDownDetails | undefined } | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || (cause.type !== WAIT_FAILURE.preempted && cause.type !== WAIT_FAILURE.hostDown)) return undefined;
  return { type: cause.type, details: cause.details?.[0] as HostDownDetails | undefined };
}

function failureDetail(error: unknown): string {
  return error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
}

/**
 * One local route, until it answers, fails, or (experimental) its queue TTL runs out. Without a
 * route, the lane worker resolves the request's first route against the matrix in force. Pre-emption
 * and a down host are waits, not failures: the call is scheduled again (a new activity, so no retry
 * attempt is spent) and waits durably in the lane queue. An experimental request waits up to its
 * TTL, counted from its first scheduling; a prod request waits for a down host up to the worker's
 * bound, then leaves the route with `host_down`.
 */
async function runLocalRoute(request: InferencePayload, workflowId: string, route: RouteTarget | undefined, queuedAt: number, outage: Outage): Promise<LocalOutcome> {
  const ttlMs = queueTtlMs(request);
  for (let call = 0; ; call++) {
    let scheduleToStartMs: number | undefined;
    if (ttlMs !== undefined) {
      scheduleToStartMs = queuedAt + ttlMs - Date.now();
      if (scheduleToStartMs <= 0) return { kind: 'expired', waitedMs: Date.now() - queuedAt };
    } else if (outage.seen) {
      // A route after the one that found the host down gets one unbounded try (another host may serve it).
      const left = outage.seen.at + outage.seen.waitMs - Date.now();
      if (left <= 0 && call > 0) return hostDownOutcome(outage.seen);
      scheduleToStartMs = left > 0 ? left : undefined;
    }
    try {
      return { kind: 'ok', result: await laneInferenceActivity(request, scheduleToStartMs).runInference({ request, workflowId, ...(route ? { route } : {}) }) };
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (routeNotLocal(error)) return { kind: 'unresolved' };
      if (expiredInQueue(error)) {
        if (ttlMs !== undefined) return { kind: 'expired', waitedMs: Date.now() - queuedAt };
        if (outage.seen) return hostDownOutcome(outage.seen);
      }
      const wait = waitOutcome(error);
      if (!wait) return { kind: 'failed', reason: fallbackReason(error), detail: failureDetail(error) };
      if (wait.type === WAIT_FAILURE.hostDown && ttlMs === undefined) {
        outage.seen ??= { at: Date.now(), details: wait.details, waitMs: wait.details?.prodWaitMs ?? 30_000 };
        if (Date.now() - outage.seen.at >= outage.seen.waitMs) return hostDownOutcome(outage.seen);
      }
      log.info('local route waits: the call is scheduled again', { route: route?.alias ?? request.model, wait: wait.type, host: wait.details?.host });
      await sleep(WAIT_PAUSE_MS[wait.type] ?? 1_000);
    }
  }
}

function hostDownOutcome(down: { details: HostDownDetails | undefined; waitMs: number }): LocalOutcome {
  const host = down.details?.host ?? 'the model host';
  return { kind: 'failed', reason: 'host_down', detail: `${host} down since ${down.details?.since ?? 'unknown'}; waited ${down.waitMs / 1000}s for it (CIVICOS_PROD_HOST_WAIT_S)` };
}

/** Cloud and pilot calls run on their provider's lane queue: paused with the lane, concurrency-limited by its worker. */
function providerActivity(request: InferencePayload, provider: string, ttlMs: number | undefined) {
  return proxyActivities<ProviderActivities>({
    taskQueue: providerQueue(provider, request.lane),
    priority: { priorityKey: PRIORITY_KEY[request.priority] },
    startToCloseTimeout: inferenceTimeoutMs(request.max_tokens),
    ...(ttlMs === undefined ? {} : { scheduleToStartTimeout: ttlMs }),
    retry: { maximumAttempts: 3, initialInterval: 1_000, backoffCoefficient: 2, nonRetryableErrorTypes: NON_RETRYABLE_PROVIDER_FAILURES },
  });
}

export interface InferOptions {
  /**
   * Serve the request on exactly this provider and model, with no fallback (the promotion gate's
   * candidate and incumbent). Experimental lane only; the provider must be in the matrix.
   */
  route?: RouteOverride;
}

function overrideRoute(matrix: RoutingMatrix, request: InferencePayload, route: RouteOverride): ResolvedRoute {
  const provider = matrix.providers[route.provider];
  const refuse = (message: string): never => {
    throw ApplicationFailure.create({ type: FAILURE.invalidPayload, message: `route override refused: ${message}`, nonRetryable: true });
  };
  if (request.lane !== 'experimental') refuse('only lane experimental may name a provider:model route');
  if (!provider) refuse(`provider "${route.provider}" is not in the routing matrix; defined: ${Object.keys(matrix.providers).join(', ')}`);
  if (!route.model) refuse('model is empty');
  return { alias: route.alias ?? `${route.provider}:${route.model}`, provider: route.provider, kind: provider!.kind, placement: provider!.placement, model: route.model, lanes: provider!.lanes };
}

/** Aliases that by their name are never served by a local Ollama route first: routed by the workflow straight away. */
const NOT_LOCAL_ALIAS = /^(cloud|pilot)\//;

/**
 * The one way a workflow calls a model. The happy path costs one activity: for a model that may
 * start locally, the lane worker resolves the chain's first route against the routing matrix in
 * force and serves it, returning the matrix version and route with the result (so both are in
 * history). Only when that route is left (failure, quality gate) or is not a local route for the
 * lane does the workflow read the matrix through a local activity and walk the rest of the chain:
 * lane permission, cloud policy, the call (local models on the lane task queue, OpenAI-compatible
 * providers on their provider's lane queue, both with the request's priority key), and the quality
 * gate. Each route left behind is recorded with a typed reason (on this slow path, against the
 * matrix read after the first route was left). Experimental requests carry a queue TTL; one that
 * expires is recorded, never dropped.
 */
export async function infer(payload: unknown, options: InferOptions = {}): Promise<InferenceResult> {
  return await inferRequest(validateOrFail(payload), options);
}

/** infer() for a request already validated (and redacted) by validateOrFail. */
export async function inferRequest(request: InferencePayload, options: InferOptions = {}): Promise<InferenceResult> {
  const { workflowId } = workflowInfo();
  // An experimental request's TTL counts from here, across every time its call is scheduled again.
  const queuedAt = Date.now();
  const outage: Outage = {};

  const expire = async (waitedMs: number, route: RouteTarget, queue: string): Promise<never> => {
    await recordQueueExpiry({ request, workflowId, waitedMs, route });
    throw ApplicationFailure.create({
      type: FAILURE.queueTtlExpired,
      message: `experimental request waited ${Math.round(waitedMs / 1000)}s in ${queue} without being served and expired (ttl_seconds)`,
      nonRetryable: true,
    });
  };

  // The happy path: the lane worker resolves and serves the first route; the matrix is read only if that route is left.
  let first: LocalOutcome | undefined;
  if (!options.route && !NOT_LOCAL_ALIAS.test(request.model)) {
    first = await runLocalRoute(request, workflowId, undefined, queuedAt, outage);
    if (first.kind === 'ok') {
      const gate = qualityGateFailure(request, first.result);
      if (!gate) return { ...first.result, fallbacks: [] };
      first = { kind: 'failed', reason: 'quality_gate', detail: gate };
    }
  }

  const { version, matrix, directors } = await loadRoutingMatrix();
  const chain = options.route ? [overrideRoute(matrix, request, options.route)] : resolveChain(matrix, request.model);
  const fallbacks: FallbackRecord[] = [];
  let localFailed = false;
  const targetOf = (route: ResolvedRoute): RouteTarget => ({ alias: route.alias, provider: route.provider, model: route.model });

  const leave = async (route: ResolvedRoute, index: number, reason: FallbackReason, detail: string, kind: 'fallback' | 'cloud_refused' = 'fallback'): Promise<void> => {
    const to = chain[index + 1]?.alias ?? null;
    fallbacks.push({ from: route.alias, to, reason, detail });
    await recordRoutingEvent({ workflowId, kind, lane: request.lane, taskClass: request.task_class, agentId: request.agent_id, matrixVersion: version, from: route.alias, to, reason, detail });
    if (route.placement === 'local' && reason !== 'lane_forbidden') localFailed = true;
  };

  // The happy path's first route expired, or was left (the walk goes on from the next route), or was declined (from the first).
  if (first?.kind === 'expired') return await expire(first.waitedMs, targetOf(chain[0]!), laneQueue(request.lane));
  const from = first?.kind === 'failed' ? 1 : 0;
  if (first?.kind === 'failed') await leave(chain[0]!, 0, first.reason, first.detail);

  for (const [index, route] of chain.entries()) {
    if (index < from) continue;
    if (!route.lanes.includes(request.lane)) {
      await leave(route, index, 'lane_forbidden', `provider ${route.provider} may not serve lane ${request.lane} (matrix v${version})`);
      continue;
    }
    let cloudReason: string | undefined;
    if (route.placement === 'cloud') {
      const decision = decideCloud({ taskClass: request.task_class, premiumTaskClasses: matrix.cloud.premiumTaskClasses, localFailed, directorRequest: request.director_request, directors });
      if (!decision.allowed) {
        await leave(route, index, 'policy_refused', decision.detail, 'cloud_refused');
        continue;
      }
      cloudReason = `${decision.reason}: ${decision.detail}`;
      await recordRoutingEvent({ workflowId, kind: 'cloud_allowed', lane: request.lane, taskClass: request.task_class, agentId: request.agent_id, matrixVersion: version, from: route.alias, to: route.alias, reason: decision.reason, detail: decision.detail });
    }
    const target = targetOf(route);
    let result: InferenceResult;
    if (route.kind === 'ollama') {
      const outcome = await runLocalRoute(request, workflowId, target, queuedAt, outage);
      if (outcome.kind === 'expired') return await expire(outcome.waitedMs, target, laneQueue(request.lane));
      // ('unresolved' answers only a call sent without a route; here the route is given.)
      if (outcome.kind !== 'ok') {
        if (outcome.kind === 'failed') await leave(route, index, outcome.reason, outcome.detail);
        if (index === chain.length - 1) break;
        continue;
      }
      result = outcome.result;
    } else {
      // An experimental request's TTL also bounds its wait in the provider's lane queue.
      const ttlMs = queueTtlMs(request);
      const ttlLeftMs = ttlMs === undefined ? undefined : Math.max(1, queuedAt + ttlMs - Date.now());
      try {
        result = await providerActivity(request, route.provider, ttlLeftMs).runProviderInference({ request, workflowId, route: target, cloudReason });
      } catch (error) {
        if (isCancellation(error)) throw error;
        if (ttlMs !== undefined && expiredInQueue(error)) return await expire(Date.now() - queuedAt, target, providerQueue(route.provider, request.lane));
        await leave(route, index, fallbackReason(error), failureDetail(error));
        if (index === chain.length - 1) break;
        continue;
      }
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
