import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptors, ActivityExecuteInput, Next, WorkerInterceptors } from '@temporalio/worker';
import { redactSecrets, redactValue } from '../common/redact';

/**
 * Every failure an activity throws passes the redactor before the SDK turns it into a history
 * event: its message, its details and its causes. Host URLs with a password, provider error bodies
 * echoing a key, errno texts: whatever an activity wraps, the secret never reaches history, the
 * `AllRoutesFailed` summary built from it, or the CLI that prints it.
 */
class RedactingInbound implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (error) {
      redactError(error);
      throw error;
    }
  }
}

export function redactError(error: unknown, depth = 0): void {
  if (!(error instanceof Error) || depth > 8) return;
  error.message = redactSecrets(error.message);
  if (error.stack) error.stack = redactSecrets(error.stack);
  if (error instanceof ApplicationFailure && error.details) {
    (error as { details: unknown[] }).details = redactValue(error.details) as unknown[];
  }
  redactError((error as { cause?: unknown }).cause, depth + 1);
}

const factory = (): ActivityInterceptors => ({ inbound: new RedactingInbound() });

/** The interceptors every Worker of the platform installs. */
export const redactingInterceptors: WorkerInterceptors = { activity: [factory] };
