import { ApplicationFailure, Context } from '@temporalio/activity';
import { Ollama, type ChatResponse } from 'ollama';
import type { ModelCallPolicy } from '../../platform/env';
import { type HostDownDetails, type InferenceActivities, type InferenceResult, type RouteTarget, type RunInferenceInput } from '../../common/inference';
import { resolveChain } from '../../common/route-chain';
import type { RoutingStore } from '../../stores/routing-store';
import type { JsonLogger } from '../../platform/logger';
import { type InferenceRecord, type Ledger } from '../../stores/ledger';
import { chatMessages, completedRecord, completedResult, failedRecord, startAttempt, tokensPerSecond, type AttemptBase } from '../model-call';
import { CallWatchdog } from './call-watchdog';
import { classifyInferenceError } from './errors';
import { createHttpFetch } from './http-transport';
import type { HostHealth } from './host-health';
import { resolveModel } from './model-aliases';
import { ATTEMPT_FAILURE, FAILURE, MODEL_TIMEOUT, UNKNOWN_FAILURE, WAIT_FAILURE } from '../../common/failures';

export { resolveModel };

/** The model host this inference worker serves. */
export interface ModelHostTarget {
  name: string;
  url: string;
  slots: number;
  /** True when the host is the built-in simulator, so results and logs say so. */
  simulated: boolean;
  /** Slots experimental work may never take (default 1 when slots ≥ 2). */
  reservedForProd?: number;
}

export interface InferenceDeps {
  host: ModelHostTarget;
  ledger: Ledger;
  logger: JsonLogger;
  /** The routing matrix in force: a request sent without a route is resolved against it here. */
  routing: Pick<RoutingStore, 'current'>;
  /** A host-level alias profile (alias → concrete model) that wins over the matrix's model. */
  aliases?: Record<string, string>;
  /** The host's slot budget: experimental calls register so prod can pre-empt them. */
  preemption?: { trackExperimental(preempt: () => void): () => void };
  /** The worker's view of its host: calls fail fast while it is down, and report outages to it. */
  health?: HostHealth;
  /** Deadlines of a call and the prod wait for a down host (env: CIVICOS_*_TIMEOUT_S, CIVICOS_PROD_HOST_WAIT_S). */
  calls?: ModelCallPolicy;
  /** Liveness probe period while no token arrives (default 3 s): a hung host is noticed in about two of these. */
  probeIntervalMs?: number;
}

/** What an attempt heartbeats: enough for the next attempt to record it if its worker dies. */
interface AttemptProgress {
  phase: 'waiting-for-model' | 'streaming';
  outputTokens: number;
  host: string;
  startedAt: number;
  queueWaitMs: number;
}

const DEFAULT_CALLS: ModelCallPolicy = { firstTokenTimeoutMs: 120_000, firstTokenTimeoutByModelMs: {}, interTokenTimeoutMs: 20_000, prodHostWaitMs: 30_000 };
/** Failures that may mean the host itself is gone: a liveness probe decides. */
const OUTAGE_TYPES: readonly string[] = [FAILURE.hostUnreachable, FAILURE.hostError, FAILURE.streamInterrupted];

/**
 * The inference activity: the only code in the project that talks to Ollama. Streams the reply,
 * heartbeats on progress only, aborts the HTTP request when Temporal cancels the attempt, prod
 * pre-empts it, or the call stalls; a down host ends the attempt as "wait" (`ModelHostDown`), not
 * as a failure that spends retries.
 */
export function createInferenceActivities(deps: InferenceDeps): InferenceActivities {
  // Metrics come from the ledger lines this writes (platform/metrics.ts: civicos_requests_total, …).
  const calls = deps.calls ?? DEFAULT_CALLS;
  // One keep-alive connection pool per host's worker.
  const httpFetch = createHttpFetch();

  const hostDown = (): ApplicationFailure => {
    const details: HostDownDetails = { host: deps.host.name, since: (deps.health?.since ?? new Date()).toISOString(), prodWaitMs: calls.prodHostWaitMs };
    return ApplicationFailure.create({
      type: WAIT_FAILURE.hostDown,
      message: `model host ${deps.host.name} is down (since ${details.since}); the request waits for it in the lane queue`,
      nonRetryable: true,
      details: [details],
    });
  };

  /**
   * The happy path's routing decision, made here instead of in a workflow task: the chain's first
   * route for the request's model in the matrix in force, when it is a local Ollama route the lane
   * may use. Anything else is the workflow's to route (lane permission, cloud policy, fallbacks).
   */
  const firstLocalRoute = (request: RunInferenceInput['request']): { route: RouteTarget; matrixVersion: number } => {
    const { version, matrix } = deps.routing.current();
    const first = resolveChain(matrix, request.model)[0];
    if (!first || first.kind !== 'ollama' || !first.lanes.includes(request.lane)) {
      const what = !first ? 'no route' : first.kind !== 'ollama' ? `${first.alias} on ${first.provider} (${first.kind})` : `${first.alias} on ${first.provider}, which may not serve lane ${request.lane}`;
      throw ApplicationFailure.create({ type: FAILURE.routeNotLocal, message: `${request.model} starts with ${what} in matrix v${version}: the workflow routes it`, nonRetryable: true });
    }
    return { route: { alias: first.alias, provider: first.provider, model: first.model }, matrixVersion: version };
  };

  return {
    async runInference({ request, workflowId, route: chosen }: RunInferenceInput): Promise<InferenceResult> {
      const ctx = Context.current();
      const info = ctx.info;
      const resolved = chosen ? undefined : firstLocalRoute(request);
      const route = chosen ?? resolved!.route;
      // A host-level alias profile (e.g. the demo profile: every alias → the tiny model) wins over the matrix's model.
      const model = deps.aliases?.[route.alias] ?? route.model;
      const log = deps.logger.child({ workflowId, activityId: info.activityId, attempt: info.attempt, lane: request.lane, model, host: deps.host.name });
      const attempt = startAttempt(info, { workflowId, request, model, host: deps.host.name, simulated: deps.host.simulated, provider: 'ollama' });
      const { startedAt, base } = attempt;
      const { queueWaitMs } = base;
      const fail = async (outcome: InferenceRecord['outcome'], errorType: string, outputTokens: number): Promise<void> => {
        await deps.ledger.append(failedRecord(attempt, outcome, errorType, outputTokens));
      };
      if (info.attempt > 1) await recordLostAttempt(deps.ledger, base, ctx.info.heartbeatDetails as AttemptProgress | undefined, log);
      if (deps.health?.down) {
        await fail('host_down', WAIT_FAILURE.hostDown, 0);
        throw hostDown();
      }

      // Abort the HTTP request as soon as Temporal cancels (or times out) this attempt, prod pre-empts it, or it stalls.
      const preempted = new AbortController();
      const untrack = request.lane === 'experimental' && deps.preemption ? deps.preemption.trackExperimental(() => preempted.abort()) : () => undefined;
      let outputTokens = 0;
      const watchdog = new CallWatchdog({
        firstTokenTimeoutMs: calls.firstTokenTimeoutByModelMs[model] ?? calls.firstTokenTimeoutMs,
        interTokenTimeoutMs: calls.interTokenTimeoutMs,
        probeIntervalMs: deps.probeIntervalMs ?? 3_000,
        health: deps.health,
        heartbeat: (phase) => ctx.heartbeat({ phase, outputTokens, host: deps.host.name, startedAt, queueWaitMs } satisfies AttemptProgress),
      });
      const stop = AbortSignal.any([ctx.cancellationSignal, preempted.signal, watchdog.signal]);
      const client = new Ollama({
        host: deps.host.url,
        fetch: (input, init) => httpFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, stop]) : stop }),
      });
      let firstTokenAt: number | undefined;

      let text = '';
      let final: ChatResponse | undefined;
      try {
        const stream = await client.chat({
          model,
          messages: chatMessages(request),
          stream: true,
          ...(request.format === 'json' ? { format: 'json' } : {}),
          options: { num_predict: request.max_tokens, ...(request.temperature === undefined ? {} : { temperature: request.temperature }) },
        });
        stop.addEventListener('abort', () => stream.abort(), { once: true });
        for await (const part of stream) {
          if (part.message?.content) {
            firstTokenAt ??= Date.now();
            text += part.message.content;
            outputTokens += 1;
          }
          watchdog.token();
          if (part.done) final = part;
        }
        if (!final) throw new Error('stream ended without a final (done) message');
      } catch (error) {
        if (preempted.signal.aborted && !ctx.cancellationSignal.aborted) {
          await fail('deferred', WAIT_FAILURE.preempted, outputTokens);
          log.warn('experimental inference pre-empted for prod; it will re-run', { outputTokens });
          // Non-retryable: pre-emption spends no retry attempt; infer() schedules the call again.
          throw ApplicationFailure.create({ type: WAIT_FAILURE.preempted, message: `pre-empted on host ${deps.host.name} so prod work could start; re-queued`, nonRetryable: true });
        }
        if (watchdog.stall && !ctx.cancellationSignal.aborted) {
          const hung = watchdog.stall === 'host_hung';
          await fail('timeout', hung ? WAIT_FAILURE.hostDown : MODEL_TIMEOUT, outputTokens);
          const what = watchdog.stall === 'first_token' ? 'no first token in time' : watchdog.stall === 'inter_token' ? 'no next token in time' : 'host stopped answering';
          log.warn(`inference stalled: ${what}`, { stall: watchdog.stall, outputTokens, latencyMs: Date.now() - startedAt });
          if (hung) throw hostDown();
          throw ApplicationFailure.retryable(`model ${model} on host ${deps.host.name}: ${what} (${watchdog.stall}); retried`, MODEL_TIMEOUT);
        }
        if (ctx.cancellationSignal.aborted) {
          // The SDK's reason: CANCELLED (the workflow asked), TIMED_OUT (a Temporal timeout), WORKER_SHUTDOWN, …
          const reason = ctx.cancellationSignal.reason instanceof Error ? ctx.cancellationSignal.reason.message : String(ctx.cancellationSignal.reason);
          await fail(reason === 'TIMED_OUT' ? 'timeout' : 'cancelled', reason === 'TIMED_OUT' ? ATTEMPT_FAILURE.timedOut : ATTEMPT_FAILURE.cancelled, outputTokens);
          log.warn('inference cancelled', { reason, outputTokens });
          throw ctx.cancellationSignal.reason ?? error;
        }
        const failure = classifyInferenceError(error, { host: deps.host.name, model });
        if (deps.health && OUTAGE_TYPES.includes(failure.type ?? '') && (await deps.health.confirmDown(failure.message))) {
          await fail('host_down', WAIT_FAILURE.hostDown, outputTokens);
          log.warn('inference found its host down; the request waits for it', { cause: failure.message });
          throw hostDown();
        }
        await fail('error', failure.type ?? UNKNOWN_FAILURE, outputTokens);
        log.warn('inference failed', { errorType: failure.type, message: failure.message, latencyMs: Date.now() - startedAt });
        throw failure;
      } finally {
        watchdog.stop();
        untrack();
      }

      const latencyMs = Date.now() - startedAt;
      const evalSeconds = (final.eval_duration ?? 0) / 1e9;
      const result: InferenceResult = {
        ...completedResult(request, attempt, {
          text,
          provider: 'ollama',
          latencyMs,
          promptTokens: final.prompt_eval_count ?? 0,
          outputTokens: final.eval_count ?? outputTokens,
          tokensPerSecond: tokensPerSecond(final.eval_count ?? outputTokens, evalSeconds),
          doneReason: final.done_reason ?? 'stop',
        }),
        // Resolved here: the matrix version and route enter the workflow's history with the result.
        ...(resolved ? { matrixVersion: resolved.matrixVersion, route: resolved.route.alias } : {}),
      };

      // Only a retry can repeat a result whose completion never reached the server.
      const earlierOk = info.attempt > 1 ? (await deps.ledger.attempts(workflowId, info.activityId)).find((r) => r.outcome === 'ok' && r.attempt < info.attempt) : undefined;
      await deps.ledger.append(completedRecord(attempt, result, earlierOk?.attempt, firstTokenAt === undefined ? null : firstTokenAt - startedAt));
      log.info(earlierOk ? 'inference completed again (an earlier attempt\'s result was lost on its way to the server)' : 'inference completed', { latencyMs, queueWaitMs, outputTokens: result.outputTokens, doneReason: result.doneReason });
      return result;
    },
  };
}

/**
 * An attempt whose worker died leaves no line of its own: its retry writes it, as `worker_lost`,
 * with what the lost attempt last heartbeated (host, tokens so far).
 */
async function recordLostAttempt(ledger: Ledger, base: AttemptBase, progress: AttemptProgress | undefined, log: JsonLogger): Promise<void> {
  const previous = base.attempt - 1;
  const lines = await ledger.attempts(base.workflowId, base.activityId);
  if (lines.some((r) => r.attempt === previous)) return;
  const ts = new Date().toISOString();
  await ledger.append({
    ...base,
    ts,
    attempt: previous,
    host: progress?.host ?? 'unknown',
    queueWaitMs: progress?.queueWaitMs ?? 0,
    latencyMs: progress?.startedAt ? Date.parse(ts) - progress.startedAt : 0,
    promptTokens: 0,
    outputTokens: progress?.outputTokens ?? 0,
    tokensPerSecond: 0,
    doneReason: null,
    outcome: 'worker_lost',
    errorType: ATTEMPT_FAILURE.workerLost,
  });
  log.warn('the previous attempt was lost with its worker; recorded', { lostAttempt: previous, lastHeartbeat: progress });
}
