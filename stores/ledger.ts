import * as path from 'node:path';
import type { InferencePayload } from '../common/contract';
import type { Lane, Priority } from '../common/lanes';
import { recordInferenceMetrics } from '../platform/metrics';
import { appendJsonLineSync, parseJsonLines, readIfExists } from './files';

/**
 * One line per inference attempt, keyed by (workflowId, activityId, attempt). Embedded default
 * store: append-only JSON Lines files, `<dataDir>/ledger/inference/YYYY-MM-DD.jsonl` (UTC day of
 * `ts`). Each line is one `InferenceRecord`; lines are written with O_APPEND in a single write, so
 * several worker processes can share the directory.
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
  outcome: InferenceOutcome;
  errorType: string | null;
  /** On a `duplicate` line: the attempt whose `ok` result this one repeats. */
  duplicateOf?: number;
  /** Start of the model call → first streamed token (Ollama attempts that produced one). */
  firstTokenMs?: number | null;
  /** `ollama` or `openai-compatible` (cloud, pilot); absent on older records. */
  provider?: string;
}

/**
 * - `ok`: served; the only outcome whose tokens and cost count in totals.
 * - `duplicate`: served again after an earlier attempt's `ok` result was lost on its way to the
 *   server; the tokens were really generated but are not counted again.
 * - `error`: failed (retried or falls back); `timeout`: no first/next token in time, or the host hung.
 * - `host_down`: the host refused or did not answer; the request waits for it (no retry spent).
 * - `deferred`: experimental call pre-empted for prod; re-run later (no retry spent).
 * - `worker_lost`: the worker died mid-attempt; written by the next attempt from its heartbeat.
 * - `cancelled`: the workflow cancelled the call; `expired`: waited past its queue TTL, never ran.
 */
export type InferenceOutcome = 'ok' | 'duplicate' | 'error' | 'timeout' | 'host_down' | 'deferred' | 'worker_lost' | 'cancelled' | 'expired';

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
  /** Every line of one activity's attempts (today's and yesterday's files: an attempt spans at most a day). */
  attempts(workflowId: string, activityId: string): Promise<InferenceRecord[]>;
}

export class FileLedger implements Ledger {
  private readonly dir: string;
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'ledger', 'inference');
  }

  async append(record: InferenceRecord): Promise<void> {
    appendJsonLineSync(this.fileFor(record.ts.slice(0, 10)), record);
    recordInferenceMetrics(record);
  }

  async read(day = new Date().toISOString().slice(0, 10)): Promise<InferenceRecord[]> {
    return parseJsonLines<InferenceRecord>((await readIfExists(this.fileFor(day))) ?? '');
  }

  async attempts(workflowId: string, activityId: string): Promise<InferenceRecord[]> {
    const today = new Date();
    const yesterday = new Date(today.getTime() - 86_400_000);
    const days = [yesterday, today].map((d) => d.toISOString().slice(0, 10));
    const records = (await Promise.all(days.map((day) => this.read(day)))).flat();
    return records.filter((r) => r.workflowId === workflowId && r.activityId === activityId);
  }

  private fileFor(day: string): string {
    return path.join(this.dir, `${day}.jsonl`);
  }
}
