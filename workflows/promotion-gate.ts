import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, defineQuery, executeChild, isCancellation, log, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { InferencePayloadInput } from '../common/contract';
import { PROMOTION_FAILURE } from '../common/failures';
import type { InferenceResult, RoutingActivities } from '../common/inference';
import type { PromotionActivities } from '../common/promotion/activities';
import { selectTasks, validateBattery, type BatteryTask } from '../common/promotion/battery';
import { runChecks } from '../common/promotion/checks';
import { costPerRequestUsd, DEFAULT_THRESHOLDS, evaluateCriteria, summariseTask, verdict, type Criterion, type Judgement, type RunSample, type TaskResult } from '../common/promotion/criteria';
import { checkGateRequest, PROMOTION_EXPERIMENT_TAG, PROMOTION_GATE_JOB_TYPE, reportStem, type GateSides as Sides, type PromotionGateInput, type PromotionProgress, type PromotionReport, type RollbackStep } from '../common/promotion/gate';
import { JUDGE_SYSTEM_PROMPT, judgePrompt, parseJudgeScores, rubricScore, type JudgeOrder } from '../common/promotion/judge';
import { qualityGateFailure } from '../common/quality-gate';
import { SA } from '../common/search-attributes';
import { infer } from './infer';
import type { RouteOverride } from '../common/inference';
import { inferenceRequest } from './inference-request';
import { ensureSearchAttributes } from './search-attributes';

const retry = { maximumAttempts: 5, initialInterval: 500 };
const { loadRoutingMatrix } = proxyLocalActivities<RoutingActivities>({ startToCloseTimeout: 10_000, retry });
const { applyPromotionVersion, rollbackPromotionVersion, reapplyPromotionVersion, writePromotionReport } = proxyActivities<PromotionActivities>({ startToCloseTimeout: 30_000, retry });

export const promotionProgressQuery = defineQuery<PromotionProgress>('promotionProgress');

function refuse(message: string): never {
  throw ApplicationFailure.create({ type: PROMOTION_FAILURE.invalidRequest, message, nonRetryable: true });
}

function errorText(error: unknown): string {
  let e: unknown = error;
  while ((e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(error);
}

/**
 * The promotion gate (experimental lane, so it never blocks prod): runs the battery on the
 * incumbent (the alias's target) and the candidate through infer(), k runs each at temperature 0,
 * judges each pair in both orders, computes the five criteria in code, tests rollback for real on
 * a pass, and writes its report. Every model call is an activity in this workflow's history, so a
 * crashed worker resumes without re-running finished calls.
 */
export async function promotionGate(input: PromotionGateInput): Promise<PromotionReport> {
  const { workflowId } = workflowInfo();
  const startedAt = new Date().toISOString();
  const progress: PromotionProgress = { phase: 'checking', total: 0, done: 0, tasks: [] };
  setHandler(promotionProgressQuery, () => progress);
  ensureSearchAttributes([
    { key: SA.Lane, value: 'experimental' },
    { key: SA.JobType, value: PROMOTION_GATE_JOB_TYPE },
    { key: SA.ExperimentTag, value: PROMOTION_EXPERIMENT_TAG },
    { key: SA.Model, value: input.candidate.model },
  ]);
  const battery = validateBattery(input.battery);
  if (!battery.ok) refuse(`battery: ${battery.problems.join('; ')}`);
  if (!Number.isInteger(input.runs) || input.runs < 1 || input.runs > 10) refuse(`runs: ${input.runs} is not a whole number from 1 to 10`);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...input.thresholds };
  const { version, matrix } = await loadRoutingMatrix();
  const warnings: string[] = [];
  const checked = checkGateRequest(input, matrix);
  if (!checked.ok) refuse(checked.problems.join('; '));
  const { sides } = checked;
  warnings.push(...checked.warnings);
  for (const warning of warnings) log.warn(`promotion gate: ${warning}`);
  const prices = matrix.providers[sides.candidate.provider]!;
  const price = { pricePer1kInputTokensUsd: prices.pricePer1kInputTokensUsd ?? 0, pricePer1kOutputTokensUsd: prices.pricePer1kOutputTokensUsd ?? 0 };

  const tasks = selectTasks(battery.value, input.tasks);
  progress.phase = 'battery';
  progress.total = tasks.length;
  const base = (skill: string): Omit<InferencePayloadInput, 'model' | 'system_prompt' | 'user_prompt' | 'max_tokens'> => ({
    agent_id: 'promotion-gate',
    calling_skill: skill,
    priority: 'normal',
    lane: 'experimental',
    callback: 'none',
    experiment_tag: PROMOTION_EXPERIMENT_TAG,
    success_criteria: 'promotion standard: completion, latency, quality, cost/quota, rollback',
    task_class: 'promotion_battery',
    temperature: 0,
  });
  const directorRequest = (route: Sides['candidate']) =>
    route.placement === 'cloud' ? { director_request: { requested_by: input.requestedBy, reason: `promotion gate of ${route.provider}:${route.model} for ${input.alias}` } } : {};

  const answer = async (task: BatteryTask, route: RouteOverride, run: number, cloud: object): Promise<RunSample> => {
    try {
      const result = await infer(
        { ...base('promotion-battery'), ...cloud, model: route.model, system_prompt: task.system_prompt, user_prompt: task.user_prompt, max_tokens: task.max_tokens, format: task.format },
        { route },
      );
      const checks = runChecks(task, result.text);
      return sample(run, result, checks.hardFailures.length === 0, checks, undefined);
    } catch (error) {
      if (isCancellation(error)) throw error;
      return { run, completed: false, error: errorText(error), text: '', latencyMs: 0, queueWaitMs: 0, promptTokens: 0, outputTokens: 0, tokensPerSecond: 0, costUsd: 0, checks: runChecks(task, '') };
    }
  };
  const sample = (run: number, result: InferenceResult, completed: boolean, checks: RunSample['checks'], error: string | undefined): RunSample => ({
    run,
    completed,
    ...(error ? { error } : {}),
    text: result.text,
    latencyMs: result.modelLatencyMs,
    queueWaitMs: result.queueWaitMs,
    promptTokens: result.promptTokens,
    outputTokens: result.outputTokens,
    tokensPerSecond: result.tokensPerSecond,
    costUsd: 0,
    checks,
  });

  const judgeOnce = async (task: BatteryTask, run: number, order: JudgeOrder, incumbent: string, candidate: string): Promise<Judgement> => {
    const [a, b] = order === 'incumbent-first' ? [incumbent, candidate] : [candidate, incumbent];
    try {
      const result = await infer({ ...base('promotion-judge'), model: sides.judge.model, system_prompt: JUDGE_SYSTEM_PROMPT, user_prompt: judgePrompt(task, a, b), max_tokens: 200, format: 'json' }, { route: sides.judge });
      const parsed = parseJudgeScores(task, result.text);
      if (!parsed.ok) return { run, order, ok: false, reason: parsed.reason };
      const [inc, cand] = order === 'incumbent-first' ? [parsed.a, parsed.b] : [parsed.b, parsed.a];
      return { run, order, ok: true, incumbent: inc, candidate: cand, incumbentScore: rubricScore(task, inc), candidateScore: rubricScore(task, cand) };
    } catch (error) {
      if (isCancellation(error)) throw error;
      return { run, order, ok: false, reason: `judge call failed: ${errorText(error)}` };
    }
  };

  // Warm-up (not measured): a cold model load would otherwise count as the first task's latency.
  for (const [route, cloud] of [[sides.incumbent, {}], [sides.candidate, directorRequest(sides.candidate)], [sides.judge, {}]] as const) {
    try {
      await infer({ ...base('promotion-warmup'), ...cloud, model: route.model, system_prompt: '', user_prompt: 'Say OK.', max_tokens: 2 }, { route });
    } catch (error) {
      if (isCancellation(error)) throw error;
      warnings.push(`warm-up of ${route.provider}:${route.model} failed: ${errorText(error)}`);
    }
  }

  const results: TaskResult[] = [];
  for (const task of tasks) {
    const incumbentRuns: RunSample[] = [];
    const candidateRuns: RunSample[] = [];
    const judgements: Judgement[] = [];
    for (let run = 1; run <= input.runs; run++) {
      const inc = await answer(task, sides.incumbent, run, {});
      const cand = await answer(task, sides.candidate, run, directorRequest(sides.candidate));
      cand.costUsd = costPerRequestUsd(cand, price);
      incumbentRuns.push(inc);
      candidateRuns.push(cand);
      // A run that failed scores 0 without a judge; only completed pairs are judged, in both orders.
      if (inc.completed && cand.completed) {
        judgements.push(await judgeOnce(task, run, 'incumbent-first', inc.text, cand.text));
        judgements.push(await judgeOnce(task, run, 'candidate-first', inc.text, cand.text));
      }
    }
    const summary = summariseTask(task.id, task.category, incumbentRuns, candidateRuns, judgements);
    results.push(summary);
    progress.done = results.length;
    progress.tasks.push({
      taskId: task.id,
      category: task.category,
      winner: summary.winner,
      incumbentQuality: summary.incumbent.quality,
      candidateQuality: summary.candidate.quality,
      incumbentLatencyMs: summary.incumbent.latencyMs,
      candidateLatencyMs: summary.candidate.latencyMs,
      failedCandidateRuns: candidateRuns.filter((r) => !r.completed).length,
    });
  }

  const criteria: Criterion[] = evaluateCriteria(results, {
    placement: sides.candidate.placement,
    ...price,
    monthlyBudgetUsd: matrix.cloud.monthlyBudgetUsd,
    maxRequestsPerDay: matrix.cloud.maxRequestsPerDay,
    requestsPerDay: input.requestsPerDay ?? matrix.cloud.maxRequestsPerDay,
  }, thresholds);

  const stem = reportStem(workflowId);
  const evidence = `outputs/promotions/${stem}.md`;
  const rollback: RollbackStep[] = [];
  let testedVersion: number | undefined;
  let applied = false;
  let currentVersion = version;
  const failedSoFar = criteria.filter((c) => !c.pass).map((c) => c.name);
  if (failedSoFar.length === 0) {
    progress.phase = 'rollback';
    const outcome = await testRollback(input, sides, version, evidence, rollback);
    testedVersion = outcome.testedVersion;
    applied = outcome.applied;
    currentVersion = outcome.currentVersion;
    criteria.push({
      name: 'rollback',
      pass: outcome.ok,
      evaluated: true,
      summary: outcome.ok
        ? `promotion written as v${testedVersion}, smoke passed, rolled back to v${version}, smoke passed, pointer back on v${version}${applied ? `; re-applied (--apply): v${currentVersion} is current` : '; left on the incumbent (run again with --apply to apply)'}`
        : `rollback test failed: ${rollback.filter((s) => !s.ok).map((s) => `${s.step}: ${s.detail}`).join('; ')}; the incumbent (v${currentVersion}) stays in force`,
      ...(outcome.ok ? {} : { shortfall: rollback.filter((s) => !s.ok).map((s) => s.step).join(', ') }),
      numbers: { baseVersion: version, testedVersion: testedVersion ?? 0, currentVersion, applied },
    });
  } else {
    criteria.push({ name: 'rollback', pass: false, evaluated: false, summary: `not reached: ${failedSoFar.join(', ')} failed, so nothing was written to the routing matrix`, shortfall: 'not reached', numbers: { currentVersion: version } });
  }

  progress.phase = 'report';
  const report: PromotionReport = {
    workflowId,
    alias: input.alias,
    incumbent: { provider: sides.incumbent.provider, model: sides.incumbent.model },
    candidate: { provider: sides.candidate.provider, model: sides.candidate.model, placement: sides.candidate.placement },
    judge: { alias: input.judge, provider: sides.judge.provider, model: sides.judge.model },
    warnings,
    battery: { id: battery.value.id, version: battery.value.version, tasks: tasks.length, of: battery.value.tasks.length },
    runs: input.runs,
    matrixVersion: version,
    startedAt,
    finishedAt: new Date().toISOString(),
    tasks: results,
    criteria,
    verdict: verdict(criteria),
    failed: criteria.filter((c) => !c.pass).map((c) => ({ name: c.name, shortfall: c.shortfall ?? c.summary })),
    rollback,
    promotion: { ...(testedVersion === undefined ? {} : { testedVersion }), applied, currentVersion },
    reportPaths: { markdown: evidence, json: `outputs/promotions/${stem}.json`, html: `outputs/promotions/${stem}.html` },
  };
  report.reportPaths = await writePromotionReport(report);
  progress.phase = 'done';
  return report;
}

/** The runbook's smoke test on the alias, as a prod request (a child workflow, so it is in this run's history). */
async function smoke(alias: string, workflowId: string, name: string): Promise<{ ok: boolean; detail: string }> {
  const payload: InferencePayloadInput = {
    agent_id: 'runbook',
    calling_skill: 'smoke-test',
    model: alias,
    priority: 'high',
    lane: 'prod',
    system_prompt: 'Answer in one short sentence.',
    user_prompt: 'Confirm the local generalist route is serving: say which organisation you help.',
    max_tokens: 48,
    callback: 'none',
  };
  try {
    const result = await executeChild(inferenceRequest, { args: [payload], workflowId: `${workflowId}:${name}` });
    const gate = qualityGateFailure({ format: 'text' }, result);
    if (gate) return { ok: false, detail: `quality gate: ${gate}` };
    if (result.route !== alias) return { ok: false, detail: `served by ${result.route} instead of ${alias} (${(result.fallbacks ?? []).map((f) => `${f.from}: ${f.reason}`).join(', ')})` };
    return { ok: true, detail: `route ${result.route}, model ${result.model}, matrix v${result.matrixVersion}, ${result.outputTokens} tokens in ${result.modelLatencyMs} ms` };
  } catch (error) {
    if (isCancellation(error)) throw error;
    return { ok: false, detail: errorText(error) };
  }
}

async function testRollback(input: PromotionGateInput, sides: Sides, baseVersion: number, evidence: string, steps: RollbackStep[]): Promise<{ ok: boolean; testedVersion?: number; applied: boolean; currentVersion: number }> {
  const { workflowId } = workflowInfo();
  const by = `promotion-gate (${input.requestedBy})`;
  let written: { version: number; previous: number };
  try {
    written = await applyPromotionVersion({ alias: input.alias, provider: sides.candidate.provider, model: sides.candidate.model, evidence, approvedBy: input.requestedBy, expectedVersion: baseVersion });
    steps.push({ step: 'write promotion version', ok: true, detail: `v${written.version} (from v${written.previous}), promotion record → ${evidence}` });
  } catch (error) {
    steps.push({ step: 'write promotion version', ok: false, detail: errorText(error) });
    return { ok: false, applied: false, currentVersion: baseVersion };
  }
  const onNew = await smoke(input.alias, workflowId, 'smoke-promoted');
  steps.push({ step: `smoke on v${written.version}`, ...onNew });
  const back = await rollbackPromotionVersion({ promotedVersion: written.version, by });
  steps.push({ step: 'roll back', ok: back.version === baseVersion, detail: `v${written.version} → v${back.version}` });
  const onOld = await smoke(input.alias, workflowId, 'smoke-rolled-back');
  steps.push({ step: `smoke on v${back.version}`, ...onOld });
  const pointer = await loadRoutingMatrix();
  const pointerBack = pointer.version === baseVersion;
  steps.push({ step: 'pointer back', ok: pointerBack, detail: `current is v${pointer.version}, expected v${baseVersion}` });
  const ok = onNew.ok && back.version === baseVersion && onOld.ok && pointerBack;
  if (!ok || !input.apply) return { ok, testedVersion: written.version, applied: false, currentVersion: pointer.version };
  const again = await reapplyPromotionVersion({ promotedVersion: written.version, by });
  steps.push({ step: 're-apply (--apply)', ok: true, detail: `v${again.version} is current` });
  return { ok, testedVersion: written.version, applied: true, currentVersion: again.version };
}
