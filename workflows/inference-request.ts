import { ApplicationFailure, CancellationScope, getExternalWorkflowHandle, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { callbackTargetProblem } from '../common/callback-targets';
import { CALLBACK_FAILURE } from '../common/failures';
import type { CivicActivities } from '../common/civic-activities';
import type { CallbackActivities, InferenceResult } from '../common/inference';
import type { InferencePayload } from '../common/contract';
import { requestSearchAttributes, SA } from '../common/search-attributes';
import { describeFailure } from './describe-failure';
import { inferRequest, validateOrFail } from './infer';
import { ensureSearchAttributes } from './search-attributes';

const { deliverCallback, describeCallbackTarget } = proxyActivities<CallbackActivities>({
  startToCloseTimeout: 30_000,
  retry: { maximumAttempts: 6, initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 30_000 },
});

const { raiseAlert } = proxyActivities<Pick<CivicActivities, 'raiseAlert'>>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * One queued inference submitted from outside (scripts, the CLI, the integration helper, the
 * `temporal` CLI): validates, sets its search attributes, infers, then delivers the result to the payload's callback. A prod request that
 * fails (every route failed, callback refused, …) raises a `workflow_failed` alert, as a failed
 * prod CivicOS run does: no silent failure.
 */
export async function inferenceRequest(payload: unknown): Promise<InferenceResult> {
  const request = validateOrFail(payload);
  // First, before any activity: admission and `queue status` count requests by these.
  ensureSearchAttributes(requestSearchAttributes(request));
  try {
    // The happy path awaits the model call and nothing else: each async layer would cost a promise
    // whose creation the SDK records with a stack trace (for the stack trace query).
    const result = await inferRequest(request);
    ensureSearchAttributes([{ key: SA.Model, value: result.model }]);
    if (request.callback !== 'none') await deliver(request, result);
    return result;
  } catch (error) {
    if (request.lane === 'prod' && !isCancellation(error)) {
      const { workflowId, workflowType, runId } = workflowInfo();
      const reason = describeFailure(error);
      await CancellationScope.nonCancellable(() =>
        raiseAlert({
          kind: 'workflow_failed',
          severity: 'critical',
          lane: 'prod',
          subject: workflowId,
          message: `inference request ${workflowId} (${request.agent_id}/${request.calling_skill}) failed: ${reason.message}`,
          details: { workflowType, runId, errorType: reason.type, agentId: request.agent_id, callingSkill: request.calling_skill, model: request.model },
        }),
      );
    }
    throw error;
  }
}

/** The result to the request's callback: a workflow's signal, or a URL. */
async function deliver(request: InferencePayload, result: InferenceResult): Promise<void> {
  if (request.callback.startsWith('signal:')) {
    const [targetId, signalName] = request.callback.slice('signal:'.length).split('/') as [string, string];
    // Only a workflow type that declares itself a callback target, with a signal it declares.
    const target = await describeCallbackTarget({ workflowId: targetId });
    const problem = callbackTargetProblem(targetId, target.workflowType, signalName);
    if (problem) throw ApplicationFailure.create({ message: `callback refused: ${problem}`, type: CALLBACK_FAILURE.targetRefused, nonRetryable: true });
    await getExternalWorkflowHandle(targetId).signal(signalName, { workflowId: workflowInfo().workflowId, result });
  } else {
    await deliverCallback({ callback: request.callback, workflowId: workflowInfo().workflowId, result });
  }
}
