import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import type { RoutingLedgerEvent } from '../common/inference';
import { recordModelCallSpan } from './tracing';

/**
 * The platform's metrics, recorded from what the ledgers record (so a metric and the daily report
 * can never disagree about what happened). Labels are bounded sets: lane, priority, model, host,
 * provider, outcome, reason, task class — never a prompt, a workflow ID or an agent.
 * Durations are seconds (unit `s`), so the SLO thresholds 10 s and 30 s are histogram buckets.
 */
interface Instruments {
  requests: Counter;
  queueWait: Histogram;
  latency: Histogram;
  firstToken: Histogram;
  tokensPerSecond: Histogram;
  tokens: Counter;
  preemptions: Counter;
  expiries: Counter;
  fallbacks: Counter;
  cloudUses: Counter;
  cloudRefusals: Counter;
  queueFull: Counter;
}

let instruments: Instruments | undefined;
let provider: unknown;

/** Instruments of the current global meter provider (telemetry installs it at start-up; before that, no-ops). */
function current(): Instruments {
  const now = metrics.getMeterProvider();
  if (instruments && provider === now) return instruments;
  provider = now;
  const meter = metrics.getMeter('civicos');
  instruments = {
    requests: meter.createCounter('civicos_requests', { description: 'Inference attempts by lane, priority, model, host, provider and outcome' }),
    queueWait: meter.createHistogram('civicos_queue_wait_seconds', { unit: 's', description: 'Lane queue wait: activity scheduled → started (expired tasks: scheduled → expiry)' }),
    latency: meter.createHistogram('civicos_model_latency_seconds', { unit: 's', description: 'Model call duration of completed attempts' }),
    firstToken: meter.createHistogram('civicos_time_to_first_token_seconds', { unit: 's', description: 'Model call start → first streamed token' }),
    tokensPerSecond: meter.createHistogram('civicos_tokens_per_second', { description: 'Output tokens per second of completed attempts' }),
    tokens: meter.createCounter('civicos_tokens', { description: 'Prompt and output tokens of completed attempts' }),
    preemptions: meter.createCounter('civicos_preemptions', { description: 'Experimental attempts pre-empted so prod work could start' }),
    expiries: meter.createCounter('civicos_queue_expiries', { description: 'Experimental requests that waited past their queue TTL' }),
    fallbacks: meter.createCounter('civicos_fallbacks', { description: 'Route fallbacks by reason' }),
    cloudUses: meter.createCounter('civicos_cloud_uses', { description: 'Cloud routes allowed, by task class and policy reason' }),
    cloudRefusals: meter.createCounter('civicos_cloud_refusals', { description: 'Cloud routes refused by the policy' }),
    queueFull: meter.createCounter('civicos_queue_full_refusals', { description: 'Submits refused because the lane was at its cap' }),
  };
  return instruments;
}

/**
 * Counters of rare events start at 0, so they are on the endpoint (and `rate()` works) before the
 * first one happens.
 */
export function initPlatformMetrics(): void {
  const m = current();
  m.preemptions.add(0, { lane: 'experimental' });
  m.expiries.add(0, { lane: 'experimental' });
  for (const lane of ['prod', 'experimental']) m.queueFull.add(0, { lane });
}

/**
 * The fields of an inference ledger line the metrics read (stores/ledger.ts's InferenceRecord; the
 * platform layer sits below stores/, so it names only what it reads).
 */
export interface MeteredAttempt {
  ts: string;
  lane: string;
  priority: string;
  model: string;
  host: string;
  provider?: string;
  outcome: string;
  queueWaitMs: number;
  latencyMs: number;
  firstTokenMs?: number | null;
  tokensPerSecond: number;
  promptTokens: number;
  outputTokens: number;
}

/** Only `ok` lines count latency and tokens (a `duplicate` repeats an `ok` already counted). */
export function recordInferenceMetrics(record: MeteredAttempt): void {
  const m = current();
  const provider = record.provider ?? (record.host === '-' ? 'none' : 'ollama');
  const labels = { lane: record.lane, priority: record.priority, model: record.model, host: record.host, provider };
  m.requests.add(1, { ...labels, outcome: record.outcome });
  if (record.host !== '-') recordModelCallSpan({ startMs: Date.parse(record.ts), durationMs: record.latencyMs, model: record.model, host: record.host, provider, outcome: record.outcome, outputTokens: record.outputTokens });
  m.queueWait.record(record.queueWaitMs / 1000, { lane: record.lane, priority: record.priority });
  if (record.outcome === 'deferred') m.preemptions.add(1, { lane: record.lane });
  if (record.outcome === 'expired') m.expiries.add(1, { lane: record.lane });
  if (record.outcome !== 'ok') return;
  const model = { model: record.model, host: record.host, provider };
  m.latency.record(record.latencyMs / 1000, model);
  if (typeof record.firstTokenMs === 'number') m.firstToken.record(record.firstTokenMs / 1000, model);
  if (record.tokensPerSecond > 0) m.tokensPerSecond.record(record.tokensPerSecond, model);
  m.tokens.add(record.promptTokens, { ...model, kind: 'prompt' });
  m.tokens.add(record.outputTokens, { ...model, kind: 'output' });
}

export function recordRoutingMetrics(event: Pick<RoutingLedgerEvent, 'kind' | 'lane' | 'taskClass' | 'reason'>): void {
  const m = current();
  if (event.kind === 'fallback') m.fallbacks.add(1, { lane: event.lane, reason: event.reason });
  else if (event.kind === 'cloud_allowed') m.cloudUses.add(1, { lane: event.lane, task_class: event.taskClass, reason: event.reason });
  else m.cloudRefusals.add(1, { lane: event.lane, task_class: event.taskClass });
}

export function recordQueueFullRefusal(lane: string): void {
  current().queueFull.add(1, { lane });
}
