import type { Payload } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { TRACE_HEADER } from '../common/trace-context';

/**
 * Workflow interceptors (bundled as a workflow interceptor module): the trace context the client
 * sent with the start is copied onto every activity, local activity and child workflow the
 * workflow schedules, so their spans join the client's trace. Copying a header is deterministic;
 * spans are only created outside the sandbox (client, activities).
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let trace: Payload | undefined;
  const withTrace = <T extends { headers: Record<string, Payload> }>(input: T): T => (trace && !input.headers[TRACE_HEADER] ? { ...input, headers: { ...input.headers, [TRACE_HEADER]: trace } } : input);
  return {
    inbound: [
      {
        // Not async: the SDK's promise hook captures a stack trace for every promise a workflow
        // creates (for the stack trace query), so a wrapper that adds none costs nothing per run.
        execute(input, next) {
          trace = input.headers[TRACE_HEADER];
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next(withTrace(input)),
        scheduleLocalActivity: (input, next) => next(withTrace(input)),
        startChildWorkflowExecution: (input, next) => next(withTrace(input)),
      },
    ],
  };
};
