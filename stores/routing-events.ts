import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RoutingLedgerEvent } from '../common/inference';
import { appendJsonLineSync, parseJsonLines } from './files';

/** The routing ledger: fallbacks and cloud decisions, one JSON line each, `<data>/ledger/routing/YYYY-MM-DD.jsonl`. */
function routingEventsFile(dataDir: string, day: string): string {
  return path.join(dataDir, 'ledger', 'routing', `${day}.jsonl`);
}

export function appendRoutingEvent(dataDir: string, event: RoutingLedgerEvent): void {
  const ts = new Date().toISOString();
  appendJsonLineSync(routingEventsFile(dataDir, ts.slice(0, 10)), { ts, ...event });
}

export function readRoutingEvents(dataDir: string, day = new Date().toISOString().slice(0, 10)): Array<RoutingLedgerEvent & { ts: string }> {
  try {
    return parseJsonLines<RoutingLedgerEvent & { ts: string }>(fs.readFileSync(routingEventsFile(dataDir, day), 'utf8'));
  } catch {
    return [];
  }
}
