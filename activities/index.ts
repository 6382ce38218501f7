import type { JsonLogger } from '../platform/logger';
import type { AlertSink } from './alerts';
import { createCallbackActivities } from './callbacks';
import { createCivicActivities } from './civic';
import { FileLedger } from '../stores/ledger';
import { createPromotionActivities } from './promotion';
import { createQueueRecordActivities } from './queue-records';
import { createRoutingActivities } from './routing';

export { createInferenceActivities, type ModelHostTarget, type InferenceDeps } from './inference/ollama-inference';
export { FileLedger, type Ledger, type InferenceRecord } from '../stores/ledger';
export { AlertSender, type Alert, type AlertSink } from './alerts';
export { createProviderActivities } from './routing';

export interface ActivityDeps {
  logger: JsonLogger;
  alerts: AlertSink;
  /** Root of the embedded stores (ledger, outputs, …). */
  dataDir: string;
  /** Credential lookup by env-variable name (tests inject one). */
  secret?: (name: string) => string | undefined;
}

/** Activities of the workflow task queue (everything except inference, which runs on lane queues). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCallbackActivities({ logger: deps.logger }),
    ...createQueueRecordActivities({ ledger: new FileLedger(deps.dataDir), logger: deps.logger }),
    ...createRoutingActivities({ dataDir: deps.dataDir, logger: deps.logger }),
    ...createCivicActivities({ logger: deps.logger, dataDir: deps.dataDir }),
    ...createPromotionActivities({ dataDir: deps.dataDir, logger: deps.logger }),
    async raiseAlert(alert: Parameters<AlertSink['send']>[0]): Promise<void> {
      await deps.alerts.send(alert);
    },
  };
}

export type WorkflowActivities = ReturnType<typeof createActivities>;
