import { ApplicationFailure, TemporalFailure, TimeoutFailure } from '@temporalio/workflow';
import { UNKNOWN_FAILURE } from '../common/failures';

/** The most specific type and message in a failure's cause chain. */
export function describeFailure(error: unknown): { type: string; message: string } {
  let found: { type: string; message: string } | undefined;
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if (cause instanceof ApplicationFailure) found = { type: cause.type ?? 'ApplicationFailure', message: cause.message };
    else if (cause instanceof TimeoutFailure) found = { type: `Timeout.${cause.timeoutType ?? 'unknown'}`, message: cause.message };
    else if (!found && cause instanceof TemporalFailure) found = { type: cause.name, message: cause.message };
    else if (!found && cause instanceof Error) found = { type: cause.name, message: cause.message };
  }
  return found ?? { type: UNKNOWN_FAILURE, message: String(error) };
}
