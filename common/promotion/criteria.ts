import type { BatteryCategory } from './battery';
import type { CheckResult } from './checks';
import type { JudgeOrder, Scores } from './judge';

/**
 * The five criteria of the promotion standard, computed in code from measured runs and parsed
 * judge scores (never from a judge's verdict), with a sign test over per-task paired wins. Pure.
 */
export interface RunSample {
  run: number;
  /** Served and passed the hard checks (format, JSON shape). */
  completed: boolean;
  error?: string;
  text: string;
  latencyMs: number;
  queueWaitMs: number;
  promptTokens: number;
  outputTokens: number;
  tokensPerSecond: number;
  costUsd: number;
  checks: CheckResult;
}

export interface Judgement {
  run: number;
  order: JudgeOrder;
  ok: boolean;
  reason?: string;
  incumbent?: Scores;
  candidate?: Scores;
  /** Normalised weighted rubric scores (0..1) from this judgement. */
  incumbentScore?: number;
  candidateScore?: number;
}

export interface SideSummary {
  runs: RunSample[];
  /** Mean run quality (0..1) over the k runs. */
  quality: number;
  /** Standard deviation of run quality over the k runs. */
  qualityStdDev: number;
  latencyMs: number;
  latencyStdDevMs: number;
}

export interface TaskResult {
  taskId: string;
  category: BatteryCategory;
  incumbent: SideSummary;
  candidate: SideSummary;
  judgements: Judgement[];
  /** candidate quality − incumbent quality. */
  delta: number;
  winner: 'candidate' | 'incumbent' | 'tie';
}

/** A run's quality: half deterministic checks, half judged rubric (checks only when no judgement parsed); 0 if not completed. */
export const QUALITY_WEIGHTS = { checks: 0.5, rubric: 0.5 } as const;

export function runQuality(sample: RunSample, rubric: number | undefined): number {
  if (!sample.completed) return 0;
  if (rubric === undefined) return sample.checks.score;
  return QUALITY_WEIGHTS.checks * sample.checks.score + QUALITY_WEIGHTS.rubric * rubric;
}

export const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function stdDev(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (xs.length - 1));
}

export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** One-sided sign test: P(at least `wins` of `wins + losses` under p = 1/2); ties are dropped. */
export function signTestP(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  let p = 0;
  for (let i = wins; i <= n; i++) p += binomial(n, i);
  return Math.min(1, p / 2 ** n);
}

/** Differences smaller than this count as a tie in the paired comparison. */
export const TIE_EPSILON = 0.01;

/** One task's paired summary from its runs and judgements. */
export function summariseTask(taskId: string, category: BatteryCategory, incumbentRuns: RunSample[], candidateRuns: RunSample[], judgements: Judgement[]): TaskResult {
  const side = (runs: RunSample[], pick: 'incumbentScore' | 'candidateScore'): SideSummary => {
    const qualities = runs.map((sample) => {
      const scores = judgements.filter((j) => j.ok && j.run === sample.run).map((j) => j[pick]!);
      return runQuality(sample, scores.length ? mean(scores) : undefined);
    });
    const latencies = runs.filter((r) => r.completed).map((r) => r.latencyMs);
    return { runs, quality: mean(qualities), qualityStdDev: stdDev(qualities), latencyMs: median(latencies), latencyStdDevMs: stdDev(latencies) };
  };
  const incumbent = side(incumbentRuns, 'incumbentScore');
  const candidate = side(candidateRuns, 'candidateScore');
  const delta = candidate.quality - incumbent.quality;
  return { taskId, category, incumbent, candidate, judgements, delta, winner: Math.abs(delta) < TIE_EPSILON ? 'tie' : delta > 0 ? 'candidate' : 'incumbent' };
}

export interface GateThresholds {
  /** Latency must improve by at least this fraction (0.2 = 20 % faster)… */
  latencyGain: number;
  /** …or stay within this fraction slower (parity) while quality passes. */
  latencyParity: number;
  /** Quality must be at least this fraction better (0.15 = 15 %). */
  qualityGain: number;
  /** Sign test significance level (one-sided) for the per-task wins. */
  alpha: number;
}

export const DEFAULT_THRESHOLDS: GateThresholds = { latencyGain: 0.2, latencyParity: 0.1, qualityGain: 0.15, alpha: 0.05 };

export interface CostInput {
  placement: 'local' | 'cloud';
  pricePer1kInputTokensUsd: number;
  pricePer1kOutputTokensUsd: number;
  monthlyBudgetUsd: number;
  maxRequestsPerDay: number;
  /** Requests a day the alias would send the candidate (default: the cloud policy's daily limit). */
  requestsPerDay: number;
}

export interface Criterion {
  name: 'completion' | 'latency' | 'quality' | 'cost' | 'rollback';
  pass: boolean;
  /** Whether the criterion was evaluated (rollback is only tested once the others pass). */
  evaluated: boolean;
  summary: string;
  /** How far from passing, in the criterion's own unit, when it failed. */
  shortfall?: string;
  numbers: Record<string, number | string | boolean>;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export function costPerRequestUsd(sample: Pick<RunSample, 'promptTokens' | 'outputTokens'>, cost: Pick<CostInput, 'pricePer1kInputTokensUsd' | 'pricePer1kOutputTokensUsd'>): number {
  return (sample.promptTokens * cost.pricePer1kInputTokensUsd + sample.outputTokens * cost.pricePer1kOutputTokensUsd) / 1000;
}

/** Criteria 1-4 from the task results; rollback (5) is added by the gate after it tested it. */
export function evaluateCriteria(tasks: TaskResult[], cost: CostInput, t: GateThresholds = DEFAULT_THRESHOLDS): Criterion[] {
  const all = (side: 'incumbent' | 'candidate'): RunSample[] => tasks.flatMap((task) => task[side].runs);
  const rate = (runs: RunSample[]): number => (runs.length ? runs.filter((r) => r.completed).length / runs.length : 0);
  const incRate = rate(all('incumbent'));
  const candRate = rate(all('candidate'));
  const completion: Criterion = {
    name: 'completion',
    pass: candRate >= incRate,
    evaluated: true,
    summary: `candidate completed ${pct(candRate)} of runs, incumbent ${pct(incRate)} (no regression allowed)`,
    ...(candRate < incRate ? { shortfall: `${((incRate - candRate) * 100).toFixed(1)} points below the incumbent` } : {}),
    numbers: { incumbentRate: round(incRate), candidateRate: round(candRate), failedCandidateRuns: all('candidate').filter((r) => !r.completed).length },
  };

  const incQuality = mean(tasks.map((x) => x.incumbent.quality));
  const candQuality = mean(tasks.map((x) => x.candidate.quality));
  const gain = incQuality > 0 ? candQuality / incQuality - 1 : candQuality > 0 ? Number.POSITIVE_INFINITY : 0;
  const wins = tasks.filter((x) => x.winner === 'candidate').length;
  const losses = tasks.filter((x) => x.winner === 'incumbent').length;
  const p = signTestP(wins, losses);
  const gainOk = gain >= t.qualityGain;
  const significant = p <= t.alpha;
  const judged = tasks.flatMap((x) => x.judgements);
  const quality: Criterion = {
    name: 'quality',
    pass: gainOk && significant,
    evaluated: true,
    summary: `quality ${candQuality.toFixed(3)} vs ${incQuality.toFixed(3)} (${Number.isFinite(gain) ? `${gain >= 0 ? '+' : ''}${pct(gain)}` : '+∞'}, needs ≥ +${pct(t.qualityGain)}); candidate wins ${wins}, loses ${losses}, ties ${tasks.length - wins - losses} of ${tasks.length} tasks, sign test p = ${p.toFixed(4)} (needs ≤ ${t.alpha}); judge scores parsed in ${judged.filter((j) => j.ok).length} of ${judged.length} judgements`,
    ...(!gainOk ? { shortfall: `quality gain ${Number.isFinite(gain) ? pct(gain) : '∞'} is ${pct(t.qualityGain - gain)} short of +${pct(t.qualityGain)}` } : !significant ? { shortfall: `not significant: p = ${p.toFixed(4)} > ${t.alpha} (${wins} wins of ${wins + losses} decided tasks)` } : {}),
    numbers: {
      incumbentQuality: round(incQuality),
      candidateQuality: round(candQuality),
      gain: Number.isFinite(gain) ? round(gain) : 'inf',
      wins,
      losses,
      ties: tasks.length - wins - losses,
      signTestP: round(p, 6),
      judgementsParsed: judged.filter((j) => j.ok).length,
      judgements: judged.length,
      meanQualityStdDevIncumbent: round(mean(tasks.map((x) => x.incumbent.qualityStdDev))),
      meanQualityStdDevCandidate: round(mean(tasks.map((x) => x.candidate.qualityStdDev))),
    },
  };

  const latencies = (side: 'incumbent' | 'candidate'): number[] => all(side).filter((r) => r.completed).map((r) => r.latencyMs);
  const incLatency = median(latencies('incumbent'));
  const candLatency = median(latencies('candidate'));
  const improvement = incLatency > 0 ? 1 - candLatency / incLatency : 0;
  const faster = improvement >= t.latencyGain;
  const parity = improvement >= -t.latencyParity;
  const tps = (side: 'incumbent' | 'candidate'): number => median(all(side).filter((r) => r.completed).map((r) => r.tokensPerSecond));
  const latencyPass = candLatency > 0 && (faster || (parity && quality.pass));
  const latency: Criterion = {
    name: 'latency',
    pass: latencyPass,
    evaluated: true,
    summary: `p50 model latency ${Math.round(candLatency)} ms vs ${Math.round(incLatency)} ms (${improvement >= 0 ? `${pct(improvement)} faster` : `${pct(-improvement)} slower`}; needs ≥ ${pct(t.latencyGain)} faster, or within ${pct(t.latencyParity)} with the quality gain${parity && !faster ? (quality.pass ? ': parity with a quality gain' : ': parity but no quality gain') : ''})`,
    ...(!latencyPass ? { shortfall: parity && !faster ? 'at parity, but the quality criterion failed' : `${pct(t.latencyGain - improvement)} short of ${pct(t.latencyGain)} faster` } : {}),
    numbers: {
      incumbentP50Ms: Math.round(incLatency),
      candidateP50Ms: Math.round(candLatency),
      improvement: round(improvement),
      incumbentStdDevMs: Math.round(stdDev(latencies('incumbent'))),
      candidateStdDevMs: Math.round(stdDev(latencies('candidate'))),
      incumbentTokensPerSecond: round(tps('incumbent'), 1),
      candidateTokensPerSecond: round(tps('candidate'), 1),
    },
  };

  const candidateRuns = all('candidate').filter((r) => r.completed || r.outputTokens > 0);
  const perRequest = mean(candidateRuns.map((r) => costPerRequestUsd(r, cost)));
  const monthly = perRequest * cost.requestsPerDay * 30;
  // A paid candidate whose cost was never measured (no run produced tokens) cannot be shown to fit the envelope.
  const measured = cost.placement === 'local' || candidateRuns.length > 0;
  const withinBudget = measured && monthly <= cost.monthlyBudgetUsd;
  const withinQuota = cost.placement === 'local' || cost.requestsPerDay <= cost.maxRequestsPerDay;
  const costCriterion: Criterion = {
    name: 'cost',
    pass: withinBudget && withinQuota,
    evaluated: true,
    summary:
      cost.placement === 'local'
        ? `local model: ${perRequest.toFixed(6)} USD a request at the matrix prices; no cloud quota used`
        : `${perRequest.toFixed(6)} USD a request (matrix prices × measured tokens) × ${cost.requestsPerDay} requests/day × 30 = ${monthly.toFixed(2)} USD/month against the ${cost.monthlyBudgetUsd} USD envelope; ${cost.requestsPerDay} requests/day against the ${cost.maxRequestsPerDay}/day quota`,
    ...(!measured ? { shortfall: 'no candidate run produced tokens, so its cost could not be measured' } : !withinBudget ? { shortfall: `${(monthly - cost.monthlyBudgetUsd).toFixed(2)} USD/month over the ${cost.monthlyBudgetUsd} USD envelope (${pct(monthly / cost.monthlyBudgetUsd - 1)} over)` } : !withinQuota ? { shortfall: `${cost.requestsPerDay - cost.maxRequestsPerDay} requests/day over the daily quota` } : {}),
    numbers: { placement: cost.placement, costPerRequestUsd: round(perRequest, 8), projectedMonthlyUsd: round(monthly, 4), monthlyBudgetUsd: cost.monthlyBudgetUsd, requestsPerDay: cost.requestsPerDay, maxRequestsPerDay: cost.maxRequestsPerDay },
  };
  return [completion, latency, quality, costCriterion];
}

export function verdict(criteria: Criterion[]): 'pass' | 'fail' {
  return criteria.length === 5 && criteria.every((c) => c.pass) ? 'pass' : 'fail';
}
