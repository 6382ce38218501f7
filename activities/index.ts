import type { JsonLogger } from '../common/logger';
import { createCallbackActivities } from './callbacks';

export { createInferenceActivities, type ModelHostTarget, type InferenceDeps } from './inference/ollama-inference';
export { FileLedger, type Ledger, type InferenceRecord } from './ledger';

/** Activities of the workflow task queue (everything except inference, which runs on lane queues). */
export function createActivities(deps: { logger: JsonLogger }) {
  return {
    ...createCallbackActivities({ logger: deps.logger }),
  };
}
