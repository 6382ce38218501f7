import { ApplicationFailure, Context } from '@temporalio/activity';
import { metrics } from '@opentelemetry/api';
import { Ollama, type ChatResponse } from 'ollama';
import { type InferenceActivities, type InferenceResult, type RunInferenceInput } from '../../common/inference';
import type { JsonLogger } from '../../common/logger';
import { redactSecrets } from '../../common/redact';
import { requestFields, type InferenceRecord, type Ledger } from '../ledger';
import { classifyInferenceError } from './errors';
import { resolveModel } from './model-aliases';

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
  /** Alias → concrete model; defaults to the standard's table. */
  aliases?: Record<string, string>;
  /** How often to heartbeat while no token arrives (model loading, prompt evaluation). */
  idleHeartbeatMs?: number;
  /** The host's slot budget: experimental calls register so prod can pre-empt them. */
  preemption?: { trackExperimental(preempt: () => void): () => void };
}


/**
 * The inference activity: the only code in the project that talks to Ollama. Streams the reply,
 * heartbeats as tokens arrive, and aborts the HTTP request when Temporal cancels the activity.
 */
export function createInferenceActivities(deps: InferenceDeps): InferenceActivities {
  // Instruments are created here, after telemetry set the global meter provider.
  const meter = metrics.getMeter('civicos-inference');
  const inferenceCounter = meter.createCounter('civicos_inference_total', { description: 'Inference attempts by lane, model and outcome' });
  const queueWaitHistogram = meter.createHistogram('civicos_inference_queue_wait_ms', { unit: 'ms', description: 'Activity scheduled → started' });
  const latencyHistogram = meter.createHistogram('civicos_inference_latency_ms', { unit: 'ms', description: 'Model call duration' });
  const tokenCounter = meter.createCounter('civicos_inference_tokens_total', { description: 'Prompt and output tokens' });
  return {
    async runInference({ request, workflowId, route }: RunInferenceInput): Promise<InferenceResult> {
      const ctx = Context.current();
      const info = ctx.info;
      const startedAt = Date.now();
      const queueWaitMs = Math.max(0, startedAt - info.currentAttemptScheduledTimestampMs);
      // A host-level alias profile (e.g. the demo profile: every alias → the tiny model) wins over the matrix's model.
      const model = route ? (deps.aliases?.[route.alias] ?? route.model) : resolveModel(request.model, deps.aliases);
      const log = deps.logger.child({ workflowId, activityId: info.activityId, attempt: info.attempt, lane: request.lane, model, host: deps.host.name });

      const base: Omit<InferenceRecord, 'latencyMs' | 'promptTokens' | 'outputTokens' | 'tokensPerSecond' | 'doneReason' | 'outcome' | 'errorType'> = {
        ts: new Date(startedAt).toISOString(),
        workflowId,
        activityId: info.activityId,
        attempt: info.attempt,
        ...requestFields(request),
        model,
        host: deps.host.name,
        simulated: deps.host.simulated,
        queueWaitMs,
        provider: 'ollama',
      };
      const attrs = { lane: request.lane, model, host: deps.host.name };
      queueWaitHistogram.record(queueWaitMs, attrs);

      // Abort the HTTP request as soon as Temporal cancels (or times out) this attempt, or prod pre-empts it.
      const preempted = new AbortController();
      const untrack = request.lane === 'experimental' && deps.preemption ? deps.preemption.trackExperimental(() => preempted.abort()) : () => undefined;
      const stop = AbortSignal.any([ctx.cancellationSignal, preempted.signal]);
      const client = new Ollama({
        host: deps.host.url,
        fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, stop]) : stop }),
      });
      let lastProgress = Date.now();
      let outputTokens = 0;
      let firstTokenAt: number | undefined;
      const idleHeartbeat = setInterval(() => {
        if (Date.now() - lastProgress >= (deps.idleHeartbeatMs ?? 2_000)) ctx.heartbeat({ phase: 'waiting-for-model', outputTokens });
      }, deps.idleHeartbeatMs ?? 2_000);

      let text = '';
      let final: ChatResponse | undefined;
      try {
        // Last line of the secrets policy: whoever built the prompt, nothing secret-looking leaves the process.
        const messages = [
          ...(request.system_prompt ? [{ role: 'system', content: redactSecrets(request.system_prompt) }] : []),
          { role: 'user', content: redactSecrets(request.user_prompt) },
        ];
        const stream = await client.chat({
          model,
          messages,
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
          lastProgress = Date.now();
          ctx.heartbeat({ phase: 'streaming', outputTokens });
          if (part.done) final = part;
        }
        if (!final) throw new Error('stream ended without a final (done) message');
      } catch (error) {
        if (preempted.signal.aborted && !ctx.cancellationSignal.aborted) {
          await deps.ledger.append({ ...base, latencyMs: Date.now() - startedAt, promptTokens: 0, outputTokens, tokensPerSecond: 0, doneReason: null, outcome: 'deferred', errorType: 'PreemptedForProd' });
          inferenceCounter.add(1, { ...attrs, outcome: 'deferred' });
          log.warn('experimental inference pre-empted for prod; it will re-run', { outputTokens });
          throw ApplicationFailure.create({ type: 'Deferred', message: `pre-empted on host ${deps.host.name} so prod work could start; re-queued`, nextRetryDelay: '2s' });
        }
        const cancelled = ctx.cancellationSignal.aborted;
        const failure = cancelled ? undefined : classifyInferenceError(error, { host: deps.host.name, model });
        const latencyMs = Date.now() - startedAt;
        await deps.ledger.append({
          ...base,
          latencyMs,
          promptTokens: 0,
          outputTokens,
          tokensPerSecond: 0,
          doneReason: null,
          outcome: cancelled ? 'cancelled' : 'error',
          errorType: cancelled ? 'Cancelled' : (failure?.type ?? 'Unknown'),
        });
        inferenceCounter.add(1, { ...attrs, outcome: cancelled ? 'cancelled' : 'error' });
        log.warn(cancelled ? 'inference cancelled' : 'inference failed', { errorType: failure?.type ?? 'Cancelled', message: failure?.message, latencyMs });
        if (cancelled) throw ctx.cancellationSignal.reason ?? error;
        throw failure;
      } finally {
        clearInterval(idleHeartbeat);
        untrack();
      }

      const latencyMs = Date.now() - startedAt;
      const evalSeconds = (final.eval_duration ?? 0) / 1e9;
      const result: InferenceResult = {
        text,
        requestedModel: request.model,
        model,
        provider: 'ollama',
        host: deps.host.name,
        simulated: deps.host.simulated,
        attempts: info.attempt,
        queueWaitMs,
        modelLatencyMs: latencyMs,
        promptTokens: final.prompt_eval_count ?? 0,
        outputTokens: final.eval_count ?? outputTokens,
        tokensPerSecond: evalSeconds > 0 ? Math.round(((final.eval_count ?? outputTokens) / evalSeconds) * 10) / 10 : 0,
        doneReason: final.done_reason ?? 'stop',
        lane: request.lane,
        priority: request.priority,
      };
      await deps.ledger.append({
        ...base,
        latencyMs,
        promptTokens: result.promptTokens,
        outputTokens: result.outputTokens,
        tokensPerSecond: result.tokensPerSecond,
        doneReason: result.doneReason,
        outcome: 'ok',
        errorType: null,
        firstTokenMs: firstTokenAt === undefined ? null : firstTokenAt - startedAt,
      });
      inferenceCounter.add(1, { ...attrs, outcome: 'ok' });
      latencyHistogram.record(latencyMs, attrs);
      tokenCounter.add(result.promptTokens, { ...attrs, kind: 'prompt' });
      tokenCounter.add(result.outputTokens, { ...attrs, kind: 'output' });
      log.info('inference completed', { latencyMs, queueWaitMs, outputTokens: result.outputTokens, doneReason: result.doneReason });
      return result;
    },
  };
}
