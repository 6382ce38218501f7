import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudSpendLedger, CloudSpendUnreadableError } from '../stores/cloud-spend';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const record = (costUsd: number) => ({ ts: '2026-11-20T10:00:00.000Z', workflowId: 'w', provider: 'cloud-openai', model: 'm', taskClass: 'summary', reason: 'r', promptTokens: 1, outputTokens: 1, costUsd });

describe('cloud spend ledger', () => {
  it('reads a month of spend; no file yet is no spend', () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-spend-'));
    const ledger = new CloudSpendLedger(dataDir);
    expect(ledger.month(new Date('2026-11-28T00:00:00Z'))).toEqual([]);
    ledger.append(record(0.5));
    ledger.append(record(0.25));
    expect(ledger.month(new Date('2026-11-28T00:00:00Z')).map((r) => r.costUsd)).toEqual([0.5, 0.25]);
  });

  it('refuses to read a month with a truncated line, naming the file and line', () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-spend-'));
    const ledger = new CloudSpendLedger(dataDir);
    ledger.append(record(999));
    const file = path.join(dataDir, 'ledger', 'cloud', '2026-11.jsonl');
    fs.appendFileSync(file, '{"ts":"2026-11-21T10:00:00.000Z","workflowId":"w","costUs\n');
    ledger.append(record(1));
    const error = (() => {
      try {
        ledger.month(new Date('2026-11-28T00:00:00Z'));
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CloudSpendUnreadableError);
    expect((error as Error).message).toContain(`${file}:2`);
  });

  it('refuses a line that is JSON but not a spend record', () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-spend-'));
    const file = path.join(dataDir, 'ledger', 'cloud', '2026-11.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ ...record(1), costUsd: 'lots' })}\n`);
    expect(() => new CloudSpendLedger(dataDir!).month(new Date('2026-11-28T00:00:00Z'))).toThrow(/2026-11\.jsonl:1.*costUsd/);
  });
});
