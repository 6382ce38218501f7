import * as http from 'node:http';
import * as https from 'node:https';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CallbackActivities } from '../common/inference';
import { CALLBACK_FAILURE } from '../common/failures';
import type { JsonLogger } from '../platform/logger';
import { checkOutboundUrl, pinnedLookup, UrlRefusedError, type Resolve } from './url-guard';

/**
 * Webhook delivery of an inference result: POST JSON with an `Idempotency-Key` header equal to the
 * request's workflow ID, so a receiver that sees a retry can drop the duplicate. The URL passes the
 * SSRF guard first and the request goes to the address the guard checked; redirects are refused
 * (a 3xx could point anywhere), and only the receiver's status code enters history, never its text.
 */
export function createCallbackActivities(deps: { logger: JsonLogger; allowedHosts: readonly string[]; timeoutMs?: number; resolve?: Resolve }): CallbackActivities {
  return {
    async deliverCallback({ callback, workflowId, result }) {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      let checked: Awaited<ReturnType<typeof checkOutboundUrl>>;
      try {
        checked = await checkOutboundUrl(callback, { allowedHosts: deps.allowedHosts, resolve: deps.resolve });
      } catch (error) {
        if (!(error instanceof UrlRefusedError)) throw error;
        deps.logger.error('callback refused by the SSRF guard', { workflowId, reason: error.message });
        throw ApplicationFailure.nonRetryable(`callback refused: ${error.message}`, CALLBACK_FAILURE.refused);
      }
      const status = await post(checked.url, pinnedLookup(checked.address), JSON.stringify({ workflowId, result }), {
        'content-type': 'application/json',
        'idempotency-key': workflowId,
        'x-civicos-attempt': String(attempt),
      }, AbortSignal.any([ctx.cancellationSignal, AbortSignal.timeout(deps.timeoutMs ?? 10_000)]));
      const detail = `HTTP ${status}`;
      if (status >= 300 && status < 400) {
        deps.logger.error('callback receiver answered with a redirect', { workflowId, status });
        throw ApplicationFailure.nonRetryable(`webhook answered ${detail} (a redirect); callbacks do not follow redirects: point the callback at the final URL`, CALLBACK_FAILURE.refused);
      }
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        deps.logger.error('callback refused by receiver', { workflowId, status });
        throw ApplicationFailure.nonRetryable(`webhook refused the callback: ${detail}`, CALLBACK_FAILURE.refused);
      }
      if (status >= 400) throw ApplicationFailure.retryable(`webhook failed: ${detail}`, CALLBACK_FAILURE.failed);
      deps.logger.info('callback delivered', { workflowId, status, attempt });
      return { delivered: true, detail };
    },

    async describeCallbackTarget({ workflowId }) {
      try {
        const description = await Context.current().client.workflow.getHandle(workflowId).describe();
        return { workflowType: description.type, running: description.status.name === 'RUNNING' };
      } catch (error) {
        if ((error as Error).name === 'WorkflowNotFoundError') return { workflowType: undefined, running: false };
        throw error;
      }
    },
  };
}

/** One POST to the pinned address; resolves with the status code (the body and status text are drained unread). */
function post(url: URL, lookup: ReturnType<typeof pinnedLookup>, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<number> {
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', (error) => reject(new Error(`webhook unreachable: ${(error as NodeJS.ErrnoException).code ?? error.name}`)));
    req.end(body);
  });
}
