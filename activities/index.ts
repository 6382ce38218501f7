import type { ApproverConfig } from '../common/approvers';
import { DEFAULT_APPROVERS } from '../config/approvers';
import type { JsonLogger } from '../platform/logger';
import type { AlertSink } from './alerts';
import { createApproverActivities } from './approvers';
import { createCallbackActivities } from './callbacks';
import { createCivicActivities } from './civic';
import { FileLedger } from '../stores/ledger';
import { createPromotionActivities } from './promotion';
import { createQueueRecordActivities } from './queue-records';
import { createRoutingActivities } from './routing';
import { createSloActivities, type SloSources } from './slo';

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
  /** What the SLO report reads (a Temporal client, the data dir, lane stats, approvals); the workflow worker provides it. */
  sloSources?: () => Promise<SloSources>;
  /** Hosts a webhook callback may reach even on a private, loopback or link-local address (CIVICOS_CALLBACK_HOSTS). */
  callbackHosts?: readonly string[];
  /** Directors whose director_request may use cloud (CIVICOS_DIRECTORS). */
  directors?: readonly string[];
  /** Who may approve each action (default config/approvers.ts). */
  approvers?: ApproverConfig;
}

/** Activities of the workflow task queue (everything except inference, which runs on lane queues). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCallbackActivities({ logger: deps.logger, allowedHosts: deps.callbackHosts ?? [] }),
    ...createQueueRecordActivities({ ledger: new FileLedger(deps.dataDir), logger: deps.logger }),
    ...createRoutingActivities({ dataDir: deps.dataDir, logger: deps.logger, directors: deps.directors }),
    ...createCivicActivities({ logger: deps.logger, dataDir: deps.dataDir }),
    ...createApproverActivities({ approvers: deps.approvers ?? DEFAULT_APPROVERS }),
    ...createPromotionActivities({ dataDir: deps.dataDir, logger: deps.logger }),
    ...createSloActivities({ logger: deps.logger, sources: deps.sloSources ?? (() => Promise.reject(new Error('the SLO report needs a Temporal client: run it on the workflow worker (runWorkers)'))) }),
    async raiseAlert(alert: Parameters<AlertSink['send']>[0]): Promise<void> {
      await deps.alerts.send(alert);
    },
  };
}

export type WorkflowActivities = ReturnType<typeof createActivities>;
