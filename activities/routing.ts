import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProviderActivities, RoutingActivities, RoutingLedgerEvent } from '../common/inference';
import type { JsonLogger } from '../common/logger';
import { redactValue } from '../common/redact';
import type { ProviderHostPolicy } from '../common/routing-matrix';
import { FileLedger } from './ledger';
import { CloudSpendLedger, createProviderCaller } from './providers';
import { RoutingStore } from './routing-store';

/**
 * Routing activities on the workflow queue: the matrix enters a workflow only through
 * `loadRoutingMatrix`, so the version it used is in the workflow's history; fallbacks and cloud
 * decisions go to `<data>/ledger/routing/YYYY-MM-DD.jsonl` and the log.
 */
export function createRoutingActivities(deps: { dataDir: string; logger: JsonLogger; directors?: readonly string[] }): RoutingActivities {
  const store = new RoutingStore(deps.dataDir);
  const routingDir = path.join(deps.dataDir, 'ledger', 'routing');
  return {
    async loadRoutingMatrix() {
      return { ...store.current(), directors: [...(deps.directors ?? [])] };
    },
    async recordRoutingEvent(raw: RoutingLedgerEvent) {
      // `detail` and `reason` carry host and provider error text: redacted before the ledger and the log.
      const event = redactValue(raw) as RoutingLedgerEvent;
      const ts = new Date().toISOString();
      fs.mkdirSync(routingDir, { recursive: true });
      fs.appendFileSync(path.join(routingDir, `${ts.slice(0, 10)}.jsonl`), `${JSON.stringify({ ts, ...event })}\n`);
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

export function readRoutingEvents(dataDir: string, day = new Date().toISOString().slice(0, 10)): Array<RoutingLedgerEvent & { ts: string }> {
  try {
    return fs
      .readFileSync(path.join(dataDir, 'ledger', 'routing', `${day}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RoutingLedgerEvent & { ts: string });
  } catch {
    return [];
  }
}
