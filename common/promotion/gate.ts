import type { Battery } from './battery';
import type { Criterion, GateThresholds, TaskResult } from './criteria';

/** What `promotionGate` takes, returns and answers to its progress query; shared by workflow, activities and CLI. */
export interface PromotionGateInput {
  /** The alias whose target is the incumbent, e.g. local/qwen-14b. */
  alias: string;
  candidate: { provider: string; model: string };
  battery: Battery;
  /** Runs per task and side (temperature 0). */
  runs: number;
  /** Alias of the judge (its own route, no fallback). */
  judge: string;
  /** Reduce the battery to this many tasks, round-robin over the categories. */
  tasks?: number;
  /** Leave the tested promotion applied after a pass (default: roll back and leave it to `--apply`). */
  apply: boolean;
  /** Who asked (promotion record `approvedBy`, and the director request for a cloud candidate). */
  requestedBy: string;
  /** Requests a day the alias would send the candidate (cost and quota); default the cloud policy's daily limit. */
  requestsPerDay?: number;
  thresholds?: Partial<GateThresholds>;
}

export const PROMOTION_GATE_JOB_TYPE = 'promotion-gate';
export const PROMOTION_EXPERIMENT_TAG = 'promotion-gate';

export interface RollbackStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface PromotionReport {
  workflowId: string;
  alias: string;
  incumbent: { provider: string; model: string };
  candidate: { provider: string; model: string; placement: 'local' | 'cloud' };
  judge: { alias: string; provider: string; model: string };
  warnings: string[];
  battery: { id: string; version: number; tasks: number; of: number };
  runs: number;
  matrixVersion: number;
  startedAt: string;
  finishedAt: string;
  tasks: TaskResult[];
  criteria: Criterion[];
  verdict: 'pass' | 'fail';
  /** The criteria that failed, with by how much. */
  failed: Array<{ name: string; shortfall: string }>;
  rollback: RollbackStep[];
  /** Version the promotion was written as and what is current at the end. */
  promotion: { testedVersion?: number; applied: boolean; currentVersion: number };
  reportPaths: { markdown: string; json: string; html: string };
}

export interface PromotionProgress {
  phase: 'checking' | 'battery' | 'rollback' | 'report' | 'done';
  total: number;
  done: number;
  tasks: Array<{ taskId: string; category: string; winner: string; incumbentQuality: number; candidateQuality: number; incumbentLatencyMs: number; candidateLatencyMs: number; failedCandidateRuns: number }>;
}

/** Deterministic workflow ID: a re-run with the same alias, candidate, battery version, runs and task count attaches to it. */
export function promotionWorkflowId(input: Pick<PromotionGateInput, 'alias' | 'candidate' | 'battery' | 'runs' | 'tasks'>): string {
  const tasks = input.tasks !== undefined && input.tasks < input.battery.tasks.length ? `:t${input.tasks}` : '';
  return `promotion:${input.alias}:${input.candidate.provider}:${input.candidate.model}:${input.battery.id}@v${input.battery.version}:k${input.runs}${tasks}`;
}

/** File stem of a gate's report under `<data>/outputs/promotions/`. */
export function reportStem(workflowId: string): string {
  return workflowId.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** `provider:model` (the model may itself contain a colon, e.g. ollama-local:gemma3:270m). */
export function parseCandidate(text: string): { provider: string; model: string } | undefined {
  const at = text.indexOf(':');
  if (at <= 0 || at === text.length - 1) return undefined;
  return { provider: text.slice(0, at), model: text.slice(at + 1) };
}
