import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lane } from '../common/lanes';
import { writeFileAtomicSync } from './files';

/** Slot usage each inference worker publishes, `<data>/hosts/<host>.json`, for `civicos queue status`. */
export interface HostSlots {
  host: string;
  slots: number;
  reservedForProd: number;
  running: Record<Lane, number>;
  updatedAt: string;
  stale: boolean;
}

type HostSlotsRecord = Omit<HostSlots, 'stale'> & { pid?: number };

function hostsDir(dataDir: string): string {
  return path.join(dataDir, 'hosts');
}

/** Replaces a host's slot file (best effort: status must never stop a worker). */
export function publishHostSlots(dataDir: string, record: HostSlotsRecord): void {
  try {
    writeFileAtomicSync(path.join(hostsDir(dataDir), `${record.host}.json`), JSON.stringify(record));
  } catch {
    // Status is best effort; the worker keeps serving.
  }
}

/** Slot usage each inference worker publishes under `<data>/hosts/`. */
export function readHostSlots(dataDir: string, now = Date.now()): HostSlots[] {
  const dir = hostsDir(dataDir);
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    try {
      const record = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as HostSlotsRecord;
      return [{ ...record, stale: now - Date.parse(record.updatedAt) > 15_000 }];
    } catch {
      return [];
    }
  });
}
