import { getExternalWorkflowHandle, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CallbackActivities, InferenceResult } from '../common/inference';
import { SA } from '../common/search-attributes';
import { infer, validateOrFail } from './infer';

const { deliverCallback } = proxyActivities<CallbackActivities>({
  startToCloseTimeout: 30_000,
  retry: { maximumAttempts: 6, initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 30_000 },
});

/**
 * One queued inference submitted from outside (scripts, the CLI, the integration helper):
 * validates, infers, then delivers the result to the payload's callback.
 */
export async function inferenceRequest(payload: unknown): Promise<InferenceResult> {
  const request = validateOrFail(payload);
  const result = await infer(request);
  upsertSearchAttributes([{ key: SA.Model, value: result.model }]);
  if (request.callback.startsWith('signal:')) {
    const [targetId, signalName] = request.callback.slice('signal:'.length).split('/') as [string, string];
    await getExternalWorkflowHandle(targetId).signal(signalName, { workflowId: workflowInfo().workflowId, result });
  } else if (request.callback !== 'none') {
    await deliverCallback({ callback: request.callback, workflowId: workflowInfo().workflowId, result });
  }
  return result;
}
