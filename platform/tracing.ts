import { context, propagation, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { Context as ActivityContext } from '@temporalio/activity';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { TRACE_HEADER } from '../common/trace-context';

/**
 * Traces across Temporal: client span → (header through the workflow) → activity span → model
 * call span. Our own small interceptors rather than @temporalio/interceptors-opentelemetry
 * 1.24.0, which is built on OpenTelemetry SDK 1.x (sdk-trace-base, resources ^1.25) while this
 * project runs SDK 2.x (sdk-node 0.223): its workflow span exporter hands 1.x spans
 * (`parentSpanId`, `instrumentationLibrary`) to 2.x exporters that read `parentSpanContext`
 * and `instrumentationScope`. Span names and attributes carry types and IDs, never prompt text.
 */
export const tracer = () => trace.getTracer('civicos');

export function traceHeader(ctx: Context = context.active()): Headers {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ? { [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) } : {};
}

export function contextFromHeaders(headers: Headers): Context {
  const payload = headers[TRACE_HEADER];
  if (!payload) return context.active();
  const carrier = defaultPayloadConverter.fromPayload<Record<string, string>>(payload);
  return propagation.extract(context.active(), carrier);
}

/** Activity interceptor: each attempt is a span, child of the client's span when the header is there. */
export const tracingActivityInterceptor: ActivityInterceptorsFactory = (ctx: ActivityContext) => ({
  inbound: {
    async execute(input, next) {
      const info = ctx.info;
      return await tracer().startActiveSpan(
        `RunActivity:${info.activityType}`,
        { kind: SpanKind.SERVER, attributes: { 'temporal.activity_type': info.activityType, 'temporal.workflow_type': info.workflowType ?? '', 'temporal.workflow_id': info.workflowExecution?.workflowId ?? '', 'temporal.attempt': info.attempt, 'temporal.task_queue': info.taskQueue } },
        contextFromHeaders(input.headers),
        async (span) => {
          try {
            return await next(input);
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
  },
});

/** A finished model call as a span under the current activity span (from its ledger record: start, duration, outcome). */
export function recordModelCallSpan(call: { startMs: number; durationMs: number; model: string; host: string; provider: string; outcome: string; outputTokens: number }): void {
  const span = tracer().startSpan('model.call', { kind: SpanKind.CLIENT, startTime: call.startMs, attributes: { 'civicos.model': call.model, 'civicos.host': call.host, 'civicos.provider': call.provider, 'civicos.outcome': call.outcome, 'civicos.output_tokens': call.outputTokens } });
  if (call.outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: call.outcome });
  span.end(call.startMs + call.durationMs);
}
