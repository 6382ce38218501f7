import type { RouteOverride } from '../inference';
import type { RoutingMatrix } from '../routing-matrix';
import { resolveChain } from '../route-chain';
import type { Battery } from './battery';
import { modelFamily } from './judge';
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

export interface GateSides {
  incumbent: RouteOverride;
  candidate: RouteOverride & { placement: 'local' | 'cloud' };
  judge: RouteOverride;
}

/** The incumbent, candidate and judge routes of a gate request, or field-named problems; warnings for a same-family judge. */
export function checkGateRequest(input: Pick<PromotionGateInput, 'alias' | 'candidate' | 'judge'>, matrix: RoutingMatrix): { ok: true; sides: GateSides; warnings: string[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const route = matrix.aliases[input.alias];
  if (!route) problems.push(`alias: "${input.alias}" is not an alias of the routing matrix; defined: ${Object.keys(matrix.aliases).join(', ')}`);
  const provider = matrix.providers[input.candidate.provider];
  if (!provider) problems.push(`candidate: provider "${input.candidate.provider}" is not in the routing matrix; defined: ${Object.keys(matrix.providers).join(', ')} (add it with \`civicos routing set\`)`);
  else if (!provider.lanes.includes('experimental')) problems.push(`candidate: provider "${input.candidate.provider}" may not serve lane experimental, where the gate runs`);
  if (route && route.provider === input.candidate.provider && route.model === input.candidate.model) problems.push(`candidate: ${input.candidate.provider}:${input.candidate.model} is already the target of ${input.alias}`);
  const judge = matrix.aliases[input.judge] ? resolveChain(matrix, input.judge)[0] : undefined;
  if (!judge) problems.push(`judge: "${input.judge}" is not an alias of the routing matrix; defined: ${Object.keys(matrix.aliases).join(', ')}`);
  else if (judge.provider === input.candidate.provider && judge.model === input.candidate.model) problems.push(`judge: ${input.judge} resolves to the candidate itself (${judge.provider}:${judge.model}); pick another judge with --judge`);
  if (problems.length || !route || !provider || !judge) return { ok: false, problems };
  const warnings = modelFamily(judge.model) === modelFamily(input.candidate.model) ? [`the judge ${judge.model} is of the candidate's model family (${modelFamily(judge.model)}): judges favour their own family`] : [];
  return {
    ok: true,
    warnings,
    sides: {
      incumbent: { alias: input.alias, provider: route.provider, model: route.model },
      candidate: { ...input.candidate, placement: provider.placement },
      judge: { alias: judge.alias, provider: judge.provider, model: judge.model },
    },
  };
}
