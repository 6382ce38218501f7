import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InferencePayload } from '../common/contract';
import type { Lane, Priority } from '../common/lanes';
import { recordInferenceMetrics } from './platform-metrics';

/**
 * One line per inference attempt. Embedded default store: append-only JSON Lines files,
 * `<dataDir>/ledger/inference/YYYY-MM-DD.jsonl` (UTC day of `ts`). Each line is one
 * `InferenceRecord`; lines are written with O_APPEND in a single write, so several worker
 * processes can share the directory.
 */
export interface InferenceRecord {
  ts: string;
  workflowId: string;
  activityId: string;
  attempt: number;
  lane: Lane;
  priority: Priority;
  agentId: string;
  callingSkill: string;
  taskClass: string;
  requestedModel: string;
  model: string;
  host: string;
  simulated: boolean;
  queueWaitMs: number;
  latencyMs: number;
  promptTokens: number;
  outputTokens: number;
  tokensPerSecond: number;
  doneReason: string | null;
  /** `expired`: waited past its queue TTL and never ran; `deferred`: pre-empted for prod, re-run later. */
  outcome: 'ok' | 'error' | 'cancelled' | 'expired' | 'deferred';
  errorType: string | null;
  /** Start of the model call → first streamed token (Ollama attempts that produced one). */
  firstTokenMs?: number | null;
  /** `ollama` or `openai-compatible` (cloud, pilot); absent on older records. */
  provider?: string;
}

/** The fields every record takes from the request it serves. */
export function requestFields(request: InferencePayload): Pick<InferenceRecord, 'lane' | 'priority' | 'agentId' | 'callingSkill' | 'taskClass' | 'requestedModel'> {
  return {
    lane: request.lane,
    priority: request.priority,
    agentId: request.agent_id,
    callingSkill: request.calling_skill,
    taskClass: request.task_class,
    requestedModel: request.model,
  };
}

export interface Ledger {
  append(record: InferenceRecord): Promise<void>;
  read(day?: string): Promise<InferenceRecord[]>;
}

export class FileLedger implements Ledger {
  private readonly dir: string;
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'ledger', 'inference');
  }

  async append(record: InferenceRecord): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    await fs.promises.appendFile(this.fileFor(record.ts.slice(0, 10)), `${JSON.stringify(record)}\n`, { flag: 'a' });
    recordInferenceMetrics(record);
  }

  async read(day = new Date().toISOString().slice(0, 10)): Promise<InferenceRecord[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.fileFor(day), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as InferenceRecord);
  }

  private fileFor(day: string): string {
    return path.join(this.dir, `${day}.jsonl`);
  }
}
