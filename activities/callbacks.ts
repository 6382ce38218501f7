import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CallbackActivities } from '../common/inference';
import type { JsonLogger } from '../platform/logger';
import { CALLBACK_FAILURE } from '../common/failures';

/**
 * Webhook delivery of an inference result: POST JSON with an `Idempotency-Key` header equal to the
 * request's workflow ID, so a receiver that sees a retry can drop the duplicate.
 */
export function createCallbackActivities(deps: { logger: JsonLogger; timeoutMs?: number }): CallbackActivities {
  return {
    async deliverCallback({ callback, workflowId, result }) {
      const attempt = Context.current().info.attempt;
      const response = await fetch(callback, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': workflowId, 'x-civicos-attempt': String(attempt) },
        body: JSON.stringify({ workflowId, result }),
        signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(deps.timeoutMs ?? 10_000)]),
      });
      const detail = `${response.status} ${response.statusText}`;
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        deps.logger.error('callback refused by receiver', { workflowId, status: response.status });
        throw ApplicationFailure.nonRetryable(`webhook refused the callback: ${detail}`, CALLBACK_FAILURE.refused);
      }
      if (!response.ok) throw ApplicationFailure.retryable(`webhook failed: ${detail}`, CALLBACK_FAILURE.failed);
      deps.logger.info('callback delivered', { workflowId, status: response.status, attempt });
      return { delivered: true, detail };
    },
  };
}
