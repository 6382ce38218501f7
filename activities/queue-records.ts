import type { QueueRecordActivities } from '../common/inference';
import type { JsonLogger } from '../platform/logger';
import { resolveModel } from './inference/model-aliases';
import { requestFields, type Ledger } from '../stores/ledger';
import { FAILURE } from '../common/failures';

/** Ledger records for outcomes decided in workflow code, so the ledger has every request's fate. */
export function createQueueRecordActivities(deps: { ledger: Ledger; logger: JsonLogger }): QueueRecordActivities {
  return {
    async recordQueueExpiry({ request, workflowId, waitedMs, route }) {
      await deps.ledger.append({
        ts: new Date().toISOString(),
        workflowId,
        activityId: '-',
        attempt: 0,
        ...requestFields(request),
        // The route's model: the request named an alias whose route may not be the default's.
        model: route?.model ?? resolveModel(request.model),
        host: '-',
        simulated: false,
        queueWaitMs: waitedMs,
        latencyMs: 0,
        promptTokens: 0,
        outputTokens: 0,
        tokensPerSecond: 0,
        doneReason: null,
        outcome: 'expired',
        errorType: FAILURE.queueTtlExpired,
      });
      deps.logger.warn('experimental request expired in the queue', { workflowId, lane: request.lane, experimentTag: request.experiment_tag, waitedMs });
    },
  };
}
