import { getExternalWorkflowHandle, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CallbackActivities, InferenceResult } from '../common/inference';
import { requestSearchAttributes, SA } from '../common/search-attributes';
import { infer, validateOrFail } from './infer';
import { ensureSearchAttributes } from './search-attributes';

const { deliverCallback } = proxyActivities<CallbackActivities>({
  startToCloseTimeout: 30_000,
  retry: { maximumAttempts: 6, initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 30_000 },
});

/**
 * One queued inference submitted from outside (scripts, the CLI, the integration helper, the
 * `temporal` CLI): validates, sets its search attributes, infers, then delivers the result to the payload's callback.
 */
export async function inferenceRequest(payload: unknown): Promise<InferenceResult> {
  const request = validateOrFail(payload);
  // First, before any activity: admission and `queue status` count requests by these.
  ensureSearchAttributes(requestSearchAttributes(request));
  const result = await infer(request);
  ensureSearchAttributes([{ key: SA.Model, value: result.model }]);
  if (request.callback.startsWith('signal:')) {
    const [targetId, signalName] = request.callback.slice('signal:'.length).split('/') as [string, string];
    await getExternalWorkflowHandle(targetId).signal(signalName, { workflowId: workflowInfo().workflowId, result });
  } else if (request.callback !== 'none') {
    await deliverCallback({ callback: request.callback, workflowId: workflowInfo().workflowId, result });
  }
  return result;
}
