import type { Info } from '@temporalio/activity';
import type { InferencePayload } from '../common/contract';
import type { InferenceResult } from '../common/inference';
import { redactSecrets } from '../common/redact';
import { requestFields, type InferenceRecord } from '../stores/ledger';

/**
 * What every model provider shares (Ollama on the lane inference workers, OpenAI-compatible cloud
 * and pilot servers on the provider workers): the messages sent, the attempt's ledger lines and the
 * result. Each provider file only speaks its wire format.
 */

/** What every ledger line of one attempt shares. */
export type AttemptBase = Omit<InferenceRecord, 'latencyMs' | 'promptTokens' | 'outputTokens' | 'tokensPerSecond' | 'doneReason' | 'outcome' | 'errorType'>;

export interface AttemptStart {
  startedAt: number;
  base: AttemptBase;
}

/** An attempt starting now: its queue wait (scheduled → started, as Temporal saw it) and ledger base. */
export function startAttempt(info: Info, call: { workflowId: string; request: InferencePayload; model: string; host: string; simulated: boolean }): AttemptStart {
  const startedAt = Date.now();
  return {
    startedAt,
    base: {
      ts: new Date(startedAt).toISOString(),
      workflowId: call.workflowId,
      activityId: info.activityId,
      attempt: info.attempt,
      ...requestFields(call.request),
      model: call.model,
      host: call.host,
      simulated: call.simulated,
      queueWaitMs: Math.max(0, startedAt - info.currentAttemptScheduledTimestampMs),
    },
  };
}

/** The ledger line of an attempt that ended without a result. */
export function failedRecord(attempt: AttemptStart, outcome: InferenceRecord['outcome'], errorType: string, outputTokens = 0): InferenceRecord {
  return { ...attempt.base, latencyMs: Date.now() - attempt.startedAt, promptTokens: 0, outputTokens, tokensPerSecond: 0, doneReason: null, outcome, errorType };
}

/**
 * The chat messages of a request. Last line of the secrets policy: whoever built the prompt,
 * nothing secret-looking leaves the process. `jsonHint` says "JSON" in the system message when a
 * JSON-format request never does (OpenAI's JSON mode refuses such a conversation with a 400).
 */
export function chatMessages(request: InferencePayload, options: { jsonHint?: boolean } = {}): Array<{ role: 'system' | 'user'; content: string }> {
  const hint = options.jsonHint && request.format === 'json' && !/json/i.test(`${request.system_prompt}\n${request.user_prompt}`) ? 'Reply with a JSON object.' : '';
  const system = [request.system_prompt, hint].filter(Boolean).join('\n\n');
  return [...(system ? [{ role: 'system' as const, content: redactSecrets(system) }] : []), { role: 'user', content: redactSecrets(request.user_prompt) }];
}

export function tokensPerSecond(tokens: number, seconds: number): number {
  return seconds > 0 ? Math.round((tokens / seconds) * 10) / 10 : 0;
}

export interface ModelReply {
  text: string;
  provider: InferenceResult['provider'];
  latencyMs: number;
  promptTokens: number;
  outputTokens: number;
  tokensPerSecond: number;
  doneReason: string;
  costUsd?: number;
}

/** The result of a completed call. */
export function completedResult(request: InferencePayload, attempt: AttemptStart, reply: ModelReply): InferenceResult {
  const { base } = attempt;
  return {
    text: reply.text,
    requestedModel: request.model,
    model: base.model,
    provider: reply.provider,
    host: base.host,
    simulated: base.simulated,
    attempts: base.attempt,
    queueWaitMs: base.queueWaitMs,
    modelLatencyMs: reply.latencyMs,
    promptTokens: reply.promptTokens,
    outputTokens: reply.outputTokens,
    tokensPerSecond: reply.tokensPerSecond,
    doneReason: reply.doneReason,
    lane: request.lane,
    priority: request.priority,
    ...(reply.costUsd === undefined ? {} : { costUsd: reply.costUsd }),
  };
}

/** The ledger line of a completed call; `duplicateOf` when an earlier attempt's result was lost on its way to the server. */
export function completedRecord(attempt: AttemptStart, result: InferenceResult, duplicateOf?: number): InferenceRecord {
  return {
    ...attempt.base,
    latencyMs: result.modelLatencyMs,
    promptTokens: result.promptTokens,
    outputTokens: result.outputTokens,
    tokensPerSecond: result.tokensPerSecond,
    doneReason: result.doneReason,
    outcome: duplicateOf === undefined ? 'ok' : 'duplicate',
    errorType: null,
    ...(duplicateOf === undefined ? {} : { duplicateOf }),
  };
}
