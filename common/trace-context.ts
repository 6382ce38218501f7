/**
 * The Temporal header that carries the W3C trace context (`traceparent`, `tracestate`) from the
 * client through the workflow to its activities. Shared by the client interceptor, the workflow
 * interceptors (deterministic: they only copy it) and the activity interceptor.
 */
export const TRACE_HEADER = 'civicos-trace';
