import type { ProviderActivities, RoutingActivities, RoutingLedgerEvent } from '../common/inference';
import type { JsonLogger } from '../platform/logger';
import { redactValue } from '../common/redact';
import type { ProviderHostPolicy } from '../common/routing-matrix';
import { FileLedger } from '../stores/ledger';
import { CloudSpendLedger } from '../stores/cloud-spend';
import { createProviderCaller } from './providers';
import { appendRoutingEvent } from '../stores/routing-events';
import { RoutingStore } from '../stores/routing-store';

/**
 * Routing activities on the workflow queue (local activities): `loadRoutingMatrix` gives a workflow
 * the matrix when it walks a chain (off the happy path, where the lane worker resolves the first
 * route and returns its version), so the version used is always in the workflow's history;
 * fallbacks and cloud decisions go to `<data>/ledger/routing/YYYY-MM-DD.jsonl` and the log.
 */
export function createRoutingActivities(deps: { dataDir: string; logger: JsonLogger; directors?: readonly string[] }): RoutingActivities {
  const store = new RoutingStore(deps.dataDir);
  return {
    async loadRoutingMatrix() {
      return { ...store.current(), directors: [...(deps.directors ?? [])] };
    },
    async recordRoutingEvent(raw: RoutingLedgerEvent) {
      // `detail` and `reason` carry host and provider error text: redacted before the ledger and the log.
      const event = redactValue(raw) as RoutingLedgerEvent;
      appendRoutingEvent(deps.dataDir, event);
      const log = event.kind === 'cloud_allowed' ? deps.logger.info.bind(deps.logger) : deps.logger.warn.bind(deps.logger);
      log(`routing ${event.kind}: ${event.from} → ${event.to ?? 'none'} (${event.reason})`, { ...event });
    },
  };
}

/** The provider call, served on the provider task queues (workers/provider-worker.ts) with the matrix in force. */
export function createProviderActivities(deps: { dataDir: string; logger: JsonLogger; secret: (name: string) => string | undefined; hostPolicy: ProviderHostPolicy }): ProviderActivities {
  const store = new RoutingStore(deps.dataDir);
  const runProvider = createProviderCaller({ ledger: new FileLedger(deps.dataDir), spend: new CloudSpendLedger(deps.dataDir), logger: deps.logger, secret: deps.secret, hostPolicy: deps.hostPolicy });
  return {
    async runProviderInference(input) {
      const { version, matrix } = store.current();
      return await runProvider(input, matrix, version);
    },
  };
}
