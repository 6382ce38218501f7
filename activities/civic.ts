import type { JsonLogger } from '../platform/logger';
import { createDataSourceActivities } from './data-source';
import { createMessagingActivities } from './messaging';
import { createOutputActivities } from './outputs';

/** Activities of the CivicOS workflows: data sources, outputs, the outbox (alerts are shared: `raiseAlert`). */
export function createCivicActivities(deps: { logger: JsonLogger; dataDir: string }) {
  return {
    ...createDataSourceActivities(deps),
    ...createOutputActivities(deps),
    ...createMessagingActivities(deps),
  };
}
