import { WAIT_FAILURE } from '../../common/failures';
import { LANES, type Lane, type Priority } from '../../common/lanes';
import type { InferenceRecord } from '../../stores/ledger';
import { maxOverlap, percentile, ratio, topCounts } from './stats';
import type { DailySloCounts, JobRun, JobTypeRow, LanePriorityRow, LaneRow, ModelRow, ScheduleRowReport, SloId, SloInputs, SloReport, SloRow } from './types';

/** The standard's targets (Workflow v2 §6). */
export const SLO_TARGETS = {
  prodSuccessRatio: 0.98,
  prodQueueWaitP95Ms: 30_000,
  urgentStartP95Ms: 10_000,
} as const;

const HOUR = 3_600_000;
const BURN_WINDOWS = { '1h': HOUR, '6h': 6 * HOUR, '1d': 24 * HOUR } as const;
/** Runs of the schedules' launcher: its business run is counted in its own job type. */
export const LAUNCHER_JOB_TYPE = 'scheduled-run';
const CLOSED_BAD: ReadonlyArray<JobRun['status']> = ['FAILED', 'TIMED_OUT', 'TERMINATED'];

/**
 * How the report reads each ledger outcome (stores/ledger.ts):
 * - `ok`: served. The only outcome whose latency, time to first token, tokens/s and tokens count.
 * - `duplicate`: a retry served again after an earlier `ok` result was lost on its way to the
 *   server. An attempt with a real queue wait, not an error; its tokens are not counted again.
 * - `error`, `timeout`: the model call failed — the model errors of a request. A `timeout` whose
 *   type is `ModelHostDown` (the host hung mid-stream) is an outage instead, like `host_down`.
 * - `host_down`, `worker_lost`, `cancelled`: the host was down, the worker died, or the workflow
 *   stopped the call — interrupted attempts, not model errors (the request waits or re-runs).
 * - `deferred`: pre-empted for prod and re-run later — a pre-emption, not an error.
 * - `expired`: waited past its queue TTL and never ran — an expiry of its lane; no attempt and no
 *   queue-wait sample (experimental only, so never in the prod SLOs).
 * Every outcome but `expired` is an attempt whose queue wait counts; a `worker_lost` line without
 * a heartbeat (host `unknown`) has no known wait and is left out.
 */
const started = (r: InferenceRecord): boolean => r.outcome !== 'expired' && !(r.outcome === 'worker_lost' && r.host === 'unknown');
const modelError = (r: InferenceRecord): boolean => r.outcome === 'error' || (r.outcome === 'timeout' && r.errorType !== WAIT_FAILURE.hostDown);
const interrupted = (r: InferenceRecord): boolean => r.outcome === 'host_down' || r.outcome === 'worker_lost' || r.outcome === 'cancelled' || (r.outcome === 'timeout' && r.errorType === WAIT_FAILURE.hostDown);
const ms = (iso: string): number => Date.parse(iso);

/**
 * The lines as attempts in time: a `worker_lost` line is written when the next attempt starts,
 * so it is placed at the lost attempt's own start (its `ts` minus the `latencyMs` it ran).
 */
function asAttempts(records: InferenceRecord[]): InferenceRecord[] {
  return records.map((r) => (r.outcome === 'worker_lost' && r.latencyMs > 0 ? { ...r, ts: new Date(ms(r.ts) - r.latencyMs).toISOString() } : r));
}

/** An SLO as events: which events count, which are good, and the share allowed to be bad. */
export interface SloEvents {
  id: SloId;
  title: string;
  target: string;
  unit: SloRow['unit'];
  allowedBadFraction: number;
  /** Events with their time; good or bad. */
  events: Array<{ t: number; good: boolean }>;
  value: (inWindow: Array<{ t: number; good: boolean }>) => number | null;
  pass: (value: number) => boolean;
}

/** Each SLO as good/bad events with their times (all of `inputs`, not only the report's day). */
export function sloEventSets(inputs: Pick<SloInputs, 'inference' | 'jobs' | 'windowStart' | 'windowEnd'>): SloEvents[] {
  const ws = ms(inputs.windowStart);
  const we = ms(inputs.windowEnd);
  const inWindow = (iso: string | null): boolean => iso !== null && ms(iso) >= ws && ms(iso) < we;
  const attempts = asAttempts(inputs.inference);
  const prodWaits = attempts.filter((r) => started(r) && r.lane === 'prod');
  const urgentWaits = attempts.filter((r) => started(r) && r.priority === 'urgent');
  const prodJobs = inputs.jobs.filter((j) => j.lane === 'prod' && j.jobType !== LAUNCHER_JOB_TYPE && j.closeTime && (j.status === 'COMPLETED' || CLOSED_BAD.includes(j.status)));
  const waitsInDay = (rs: InferenceRecord[]) => rs.filter((r) => inWindow(r.ts)).map((r) => r.queueWaitMs);
  return [
    {
      id: 'prod_success',
      title: 'Prod workflow success',
      target: `≥ ${SLO_TARGETS.prodSuccessRatio * 100} %`,
      unit: 'ratio',
      allowedBadFraction: 1 - SLO_TARGETS.prodSuccessRatio,
      events: prodJobs.map((j) => ({ t: ms(j.closeTime!), good: j.status === 'COMPLETED' })),
      value: (events) => ratio(events.filter((e) => e.good).length, events.length),
      pass: (value) => value >= SLO_TARGETS.prodSuccessRatio,
    },
    {
      id: 'prod_queue_wait',
      title: 'Prod queue wait p95',
      target: `< ${SLO_TARGETS.prodQueueWaitP95Ms / 1000} s`,
      unit: 'ms',
      allowedBadFraction: 0.05,
      events: prodWaits.map((r) => ({ t: ms(r.ts), good: r.queueWaitMs <= SLO_TARGETS.prodQueueWaitP95Ms })),
      value: () => percentile(waitsInDay(prodWaits), 95),
      pass: (value) => value < SLO_TARGETS.prodQueueWaitP95Ms,
    },
    {
      id: 'urgent_start',
      title: 'Urgent task start p95',
      target: `< ${SLO_TARGETS.urgentStartP95Ms / 1000} s`,
      unit: 'ms',
      allowedBadFraction: 0.05,
      events: urgentWaits.map((r) => ({ t: ms(r.ts), good: r.queueWaitMs <= SLO_TARGETS.urgentStartP95Ms })),
      value: () => percentile(waitsInDay(urgentWaits), 95),
      pass: (value) => value < SLO_TARGETS.urgentStartP95Ms,
    },
  ];
}

/** Bad share ÷ allowed bad share over the `windowMs` before `end`; null without events. */
export function burnRate(slo: Pick<SloEvents, 'events' | 'allowedBadFraction'>, end: number, windowMs: number): number | null {
  const events = slo.events.filter((e) => e.t >= end - windowMs && e.t < end);
  const bad = ratio(events.filter((e) => !e.good).length, events.length);
  return bad === null ? null : round(bad / slo.allowedBadFraction, 4);
}

/** The daily SLO report from its inputs. Pure: the same inputs give the same report. */
export function computeSloReport(inputs: SloInputs): SloReport {
  const ws = ms(inputs.windowStart);
  const we = ms(inputs.windowEnd);
  const inWindow = (iso: string | null): boolean => iso !== null && ms(iso) >= ws && ms(iso) < we;
  const records = asAttempts(inputs.inference).filter((r) => inWindow(r.ts));
  const startedRecords = records.filter(started);
  const slos = sloEventSets(inputs);

  const counts = {} as DailySloCounts['counts'];
  const rows: SloRow[] = slos.map((slo) => {
    const day = slo.events.filter((e) => e.t >= ws && e.t < we);
    const good = day.filter((e) => e.good).length;
    counts[slo.id] = { good, total: day.length };
    const value = slo.value(day);
    const earlier = inputs.history.filter((h) => h.date < inputs.date && h.counts[slo.id]);
    const budgetGood = good + earlier.reduce((sum, h) => sum + h.counts[slo.id].good, 0);
    const budgetTotal = day.length + earlier.reduce((sum, h) => sum + h.counts[slo.id].total, 0);
    const burn = (windowMs: number): number | null => burnRate(slo, we, windowMs);
    return {
      id: slo.id,
      title: slo.title,
      target: slo.target,
      value: value === null ? null : slo.unit === 'ratio' ? round(value, 6) : value,
      unit: slo.unit,
      pass: value === null ? null : slo.pass(value),
      good,
      total: day.length,
      allowedBadFraction: round(slo.allowedBadFraction, 6),
      errorBudget: {
        windowDays: 28,
        daysWithData: earlier.filter((h) => h.counts[slo.id].total > 0).length + (day.length > 0 ? 1 : 0),
        good: budgetGood,
        total: budgetTotal,
        remaining: budgetTotal > 0 ? round(1 - (budgetTotal - budgetGood) / budgetTotal / slo.allowedBadFraction, 4) : null,
      },
      burnRate: { '1h': burn(BURN_WINDOWS['1h']), '6h': burn(BURN_WINDOWS['6h']), '1d': burn(BURN_WINDOWS['1d']) },
    };
  });

  const times = [...records.map((r) => r.ts), ...inputs.jobs.map((j) => j.startTime).filter((t) => inWindow(t))].sort();
  return {
    version: 1,
    date: inputs.date,
    generatedAt: inputs.generatedAt,
    window: {
      start: inputs.windowStart,
      end: inputs.windowEnd,
      hoursCovered: round((we - ws) / HOUR, 2),
      complete: we - ws >= 24 * HOUR,
      firstRecordAt: times[0] ?? null,
      lastRecordAt: times.at(-1) ?? null,
    },
    slos: rows,
    lanePriorities: lanePriorityRows(startedRecords),
    lanes: LANES.map((lane) => laneRow(lane, records, inputs, ws)),
    jobTypes: jobTypeRows(inputs.jobs, inWindow),
    fallbacks: fallbackSection(records, inputs.routing.filter((e) => inWindow(e.ts))),
    models: modelRows(startedRecords),
    schedules: inputs.schedules.map((s) => scheduleRow(s, inWindow)),
    approvals: {
      waiting: inputs.approvals.length,
      oldestAgeSeconds: inputs.approvals.length ? Math.max(...inputs.approvals.map((a) => ageSeconds(a.since, inputs.generatedAt))) : null,
      items: inputs.approvals.map((a) => ({ workflowId: a.workflowId, jobType: a.jobType, ageSeconds: ageSeconds(a.since, inputs.generatedAt) })).sort((a, b) => b.ageSeconds - a.ageSeconds),
    },
    limits: limitsOf(inputs, rows),
    counts,
  };
}

function lanePriorityRows(rs: InferenceRecord[]): LanePriorityRow[] {
  const keys = [...new Set(rs.map((r) => `${r.lane}\u0000${r.priority}`))].sort();
  return keys.map((key) => {
    const [lane, priority] = key.split('\u0000') as [Lane, Priority];
    const waits = rs.filter((r) => r.lane === lane && r.priority === priority).map((r) => r.queueWaitMs);
    return { lane, priority, started: waits.length, waitP50Ms: percentile(waits, 50), waitP95Ms: percentile(waits, 95), waitP99Ms: percentile(waits, 99) };
  });
}

function laneRow(lane: Lane, records: InferenceRecord[], inputs: SloInputs, ws: number): LaneRow {
  const all = records.filter((r) => r.lane === lane);
  const rs = all.filter(started);
  const waits = rs.map((r) => r.queueWaitMs);
  const peak = maxOverlap(all.map((r) => ({ start: ms(r.ts) - r.queueWaitMs, end: ms(r.ts) })));
  const snapshot = inputs.lanes.find((l) => l.lane === lane);
  return {
    lane,
    started: rs.length,
    waitP50Ms: percentile(waits, 50),
    waitP95Ms: percentile(waits, 95),
    waitP99Ms: percentile(waits, 99),
    urgentStartP95Ms: percentile(rs.filter((r) => r.priority === 'urgent').map((r) => r.queueWaitMs), 95),
    maxBacklog: peak.max,
    maxBacklogAt: peak.at === null ? null : new Date(peak.at).toISOString(),
    maxBacklogAgeMs: peak.longestMs,
    expired: all.filter((r) => r.outcome === 'expired').length,
    deferred: all.filter((r) => r.outcome === 'deferred').length,
    backlogNow: snapshot?.backlog ?? null,
    oldestWaitingNowMs: snapshot ? Math.round(snapshot.oldestWaitingMs) : null,
    hourlyWaitP95Ms: Array.from({ length: 24 }, (_, hour) => percentile(rs.filter((r) => Math.floor((ms(r.ts) - ws) / HOUR) === hour).map((r) => r.queueWaitMs), 95)),
  };
}

function jobTypeRows(jobs: JobRun[], inWindow: (iso: string | null) => boolean): JobTypeRow[] {
  const relevant = jobs.filter((j) => inWindow(j.startTime) || inWindow(j.closeTime));
  return [...new Set(relevant.map((j) => j.jobType))].sort().map((jobType) => {
    const of = relevant.filter((j) => j.jobType === jobType);
    const closed = (status: JobRun['status']) => of.filter((j) => j.status === status && inWindow(j.closeTime)).length;
    const completed = closed('COMPLETED');
    const failed = closed('FAILED');
    const timedOut = closed('TIMED_OUT');
    const terminated = closed('TERMINATED');
    const lanes = [...new Set(of.map((j) => j.lane))];
    return {
      jobType,
      lane: lanes.length === 1 ? lanes[0]! : null,
      started: of.filter((j) => inWindow(j.startTime)).length,
      completed,
      failed,
      timedOut,
      terminated,
      cancelled: closed('CANCELLED'),
      running: of.filter((j) => j.status === 'RUNNING').length,
      successRatio: ratio(completed, completed + failed + timedOut + terminated) === null ? null : round(completed / (completed + failed + timedOut + terminated), 6),
      topFailureReasons: topCounts(of.filter((j) => CLOSED_BAD.includes(j.status) && inWindow(j.closeTime)).map((j) => j.failureReason ?? j.status.toLowerCase()), 3),
    };
  });
}

function fallbackSection(records: InferenceRecord[], events: SloInputs['routing']): SloReport['fallbacks'] {
  const requests = new Set([...records.map((r) => r.workflowId), ...events.map((e) => e.workflowId)]).size;
  const fallbacks = events.filter((e) => e.kind === 'fallback');
  const cloud = events.filter((e) => e.kind === 'cloud_allowed');
  const withFallback = new Set(fallbacks.map((e) => e.workflowId)).size;
  const localToCloud = cloud.filter((e) => e.reason === 'local_gate_failed').length;
  return {
    requests,
    requestsWithFallback: withFallback,
    fallbackRate: ratio(withFallback, requests) === null ? null : round(withFallback / requests, 6),
    reasons: topCounts(fallbacks.map((e) => e.reason)),
    localToCloud,
    localToCloudRate: ratio(localToCloud, requests) === null ? null : round(localToCloud / requests, 6),
    cloudUses: cloud.map((e) => ({ ts: e.ts, workflowId: e.workflowId, lane: e.lane, taskClass: e.taskClass, route: e.from, reason: e.reason })),
    cloudRefused: events.filter((e) => e.kind === 'cloud_refused').length,
  };
}

function modelRows(rs: InferenceRecord[]): ModelRow[] {
  const keys = [...new Set(rs.map((r) => `${r.model}\u0000${r.host}`))].sort();
  return keys.map((key) => {
    const [model, host] = key.split('\u0000') as [string, string];
    const of = rs.filter((r) => r.model === model && r.host === host);
    const ok = of.filter((r) => r.outcome === 'ok');
    const ttft = ok.map((r) => r.firstTokenMs).filter((v): v is number => typeof v === 'number');
    return {
      model,
      host,
      attempts: of.length,
      ok: ok.length,
      errors: of.filter(modelError).length,
      interrupted: of.filter(interrupted).length,
      preemptions: of.filter((r) => r.outcome === 'deferred').length,
      latencyP50Ms: percentile(ok.map((r) => r.latencyMs), 50),
      latencyP95Ms: percentile(ok.map((r) => r.latencyMs), 95),
      timeToFirstTokenP50Ms: percentile(ttft, 50),
      timeToFirstTokenP95Ms: percentile(ttft, 95),
      tokensPerSecondP50: percentile(ok.map((r) => r.tokensPerSecond).filter((v) => v > 0), 50),
      outputTokens: ok.reduce((sum, r) => sum + r.outputTokens, 0),
    };
  });
}

function scheduleRow(s: SloInputs['schedules'][number], inWindow: (iso: string | null) => boolean): ScheduleRowReport {
  const expected = s.expected.filter((t) => inWindow(t));
  const runs = s.runs.filter((r) => inWindow(r.scheduledAt));
  const ranAt = (t: string) => runs.some((r) => Math.abs(ms(r.scheduledAt) - ms(t)) < 1_000);
  const notRunAt = expected.filter((t) => !ranAt(t));
  return {
    id: s.id,
    workflow: s.workflow,
    paused: s.paused,
    expected: expected.length,
    taken: runs.length,
    notRun: notRunAt.length,
    notRunAt,
    extra: runs.filter((r) => !expected.some((t) => Math.abs(ms(r.scheduledAt) - ms(t)) < 1_000)).length,
    failed: runs.filter((r) => CLOSED_BAD.includes(r.status)).length,
    lagP95Ms: percentile(runs.map((r) => Math.max(0, ms(r.startedAt) - ms(r.scheduledAt))), 95),
    missedCatchupWindowTotal: s.missedCatchupWindowTotal,
    skippedOverlapTotal: s.skippedOverlapTotal,
  };
}

function limitsOf(inputs: SloInputs, rows: SloRow[]): string[] {
  const days = Math.max(...rows.map((r) => r.errorBudget.daysWithData), 0);
  return [
    ...(ms(inputs.windowEnd) - ms(inputs.windowStart) < 24 * HOUR ? [`The day is not over: the report covers ${inputs.windowStart} to ${inputs.windowEnd}.`] : []),
    `Error budgets use the counts earlier reports stored: ${days} of the 28 days have data (visibility keeps closed runs only for the namespace's retention).`,
    'Lane pauses are not recorded over time, so urgent waits during a pause count against the urgent-start SLO, which the standard only applies while the queue is healthy.',
    'Backlog through the day is rebuilt from the ledger (each attempt waited from its start minus its queue wait); tasks still waiting at report time are only in the "now" figures.',
    'Missed (catch-up window) and skipped (overlap) counts from the server are totals since each schedule was created; per day the report counts expected firings without a run.',
    'Time to first token is known only for streamed (Ollama) attempts recorded since it was added to the ledger.',
  ];
}

function ageSeconds(since: string, now: string): number {
  return Math.max(0, Math.round((ms(now) - ms(since)) / 1000));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
