import * as path from 'node:path';
import { PROVIDER_FAILURE } from '../common/failures';
import { appendJsonLineSync, parseJsonLines, readIfExistsSync } from './files';

export interface SpendRecord {
  ts: string;
  workflowId: string;
  provider: string;
  model: string;
  taskClass: string;
  reason: string;
  promptTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** The month's cloud spend cannot be read, so the envelope cannot be checked: cloud use is refused. */
export class CloudSpendUnreadableError extends Error {
  override readonly name = PROVIDER_FAILURE.spendUnreadable;
}

function isSpendRecord(value: unknown): value is SpendRecord {
  const r = value as Partial<SpendRecord> | null;
  return typeof r === 'object' && r !== null && typeof r.ts === 'string' && typeof r.costUsd === 'number' && Number.isFinite(r.costUsd);
}

/** Cloud spend, one JSON line per call: `<data>/ledger/cloud/YYYY-MM.jsonl`. */
export class CloudSpendLedger {
  private readonly dir: string;
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'ledger', 'cloud');
  }
  append(record: SpendRecord): void {
    appendJsonLineSync(path.join(this.dir, `${record.ts.slice(0, 7)}.jsonl`), record);
  }
  /**
   * The month's records. No file yet is no spend; an unreadable file or a bad line throws
   * `CloudSpendUnreadableError` naming the file and line: reading it as $0 would lift the cap.
   */
  month(now: Date): SpendRecord[] {
    const file = path.join(this.dir, `${now.toISOString().slice(0, 7)}.jsonl`);
    let text: string | undefined;
    try {
      text = readIfExistsSync(file);
    } catch (error) {
      throw new CloudSpendUnreadableError(`cloud spend unreadable: ${file}: ${(error as Error).message}`);
    }
    return parseJsonLines(text ?? '', (line, lineNumber) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new CloudSpendUnreadableError(`cloud spend unreadable: ${file}:${lineNumber} is not valid JSON (truncated write?); fix or remove that line`);
      }
      if (!isSpendRecord(value)) throw new CloudSpendUnreadableError(`cloud spend unreadable: ${file}:${lineNumber} is not a spend record (needs ts and a numeric costUsd); fix or remove that line`);
      return value;
    });
  }
}
