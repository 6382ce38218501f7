import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../../common/failures';

interface OllamaResponseError extends Error {
  status_code: number;
  error: string;
}

function isResponseError(error: unknown): error is OllamaResponseError {
  return error instanceof Error && error.name === 'ResponseError' && typeof (error as Partial<OllamaResponseError>).status_code === 'number';
}

/**
 * Maps what the model host said into a typed Temporal failure: outages retry (plain
 * `ApplicationFailure.retryable`), requests that can never succeed (unknown model, bad request) do not.
 */
export function classifyInferenceError(error: unknown, context: { host: string; model: string }): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const where = `model ${context.model} on host ${context.host}`;
  if (isResponseError(error)) {
    const status = error.status_code;
    const detail = error.error || error.message;
    if (status === 404 || /not found/i.test(detail)) {
      return ApplicationFailure.nonRetryable(`${where}: model not installed (${detail}); pull it on the host or fix the route`, FAILURE.modelNotFound);
    }
    if (status === 503) return ApplicationFailure.retryable(`${where}: host busy (503: ${detail})`, FAILURE.hostBusy);
    if (status >= 500) return ApplicationFailure.retryable(`${where}: host error ${status}: ${detail}`, FAILURE.hostError);
    return ApplicationFailure.nonRetryable(`${where}: request refused (${status}: ${detail})`, FAILURE.badRequest);
  }
  const text = errorText(error);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET before|fetch failed|connect/i.test(text) && !/terminated|other side closed|aborted/i.test(text)) {
    return ApplicationFailure.retryable(`${where}: host unreachable (${text})`, FAILURE.hostUnreachable);
  }
  return ApplicationFailure.retryable(`${where}: stream interrupted (${text})`, FAILURE.streamInterrupted);
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `${cause.message}${(cause as NodeJS.ErrnoException).code ? ` ${(cause as NodeJS.ErrnoException).code}` : ''}` : '';
  return [error.message, causeText].filter(Boolean).join(': ');
}
