import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { WorkflowExecutionAlreadyStartedError, type WorkflowClientInterceptor } from '@temporalio/client';
import { traceHeader, tracer } from '../platform/tracing';

/** Client interceptor: starting a workflow is a span, and its context travels in the start's headers. */
export const tracingClientInterceptor: WorkflowClientInterceptor = {
  async startWithDetails(input, next) {
    return await tracer().startActiveSpan(`StartWorkflow:${input.workflowType}`, { kind: SpanKind.CLIENT, attributes: { 'temporal.workflow_type': input.workflowType, 'temporal.workflow_id': input.options.workflowId } }, async (span) => {
      try {
        return await next({ ...input, headers: { ...input.headers, ...traceHeader() } });
      } catch (error) {
        // A duplicate submit finds the ID's run and attaches to it (client/submit-inference.ts): an outcome, not an error.
        if (error instanceof WorkflowExecutionAlreadyStartedError) span.setAttribute('temporal.workflow_already_started', true);
        else span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
        throw error;
      } finally {
        span.end();
      }
    });
  },
};
