import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { LANES, type Lane } from '../../common/lanes';
import { SA } from '../../common/search-attributes';
import { FileLedger } from '../../stores/ledger';
import { readRoutingEvents } from '../../stores/routing-events';
import type { ApprovalObservation, DailySloCounts, JobRun, LaneSnapshot, RoutingEventRecord, ScheduleObservation, SloInputs } from './types';
import { readSloHistory } from '../../stores/slo-reports';

const DAY = 86_400_000;
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export interface SloSources {
  client: Client;
  dataDir: string;
  /** Backlog of a lane now (workers/lane-stats); omitted → the report has no "now" figures. */
  laneStats?: (lane: Lane) => Promise<{ backlog: number; oldestWaitingMs: number }>;
  /** Runs waiting for a human decision (client/approvals). */
  approvals?: () => Promise<ApprovalObservation[]>;
}

/** The UTC day `date` as [start, end), cut at `now` when the day is not over. */
export function reportWindow(date: string, now: Date): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00.000Z`);
  if (Number.isNaN(start.getTime()) || !start.toISOString().startsWith(date)) throw new RangeError(`date: "${date}" is not a calendar date YYYY-MM-DD`);
  if (start.getTime() > now.getTime()) throw new RangeError(`date: ${date} has not started yet (now ${now.toISOString()})`);
  return { start, end: new Date(Math.min(start.getTime() + DAY, now.getTime())) };
}

/** Reads everything the report is computed from: ledgers, visibility, task queues, schedules, approvals, earlier reports. */
export async function gatherSloInputs(sources: SloSources, date: string, now = new Date()): Promise<SloInputs> {
  const { start, end } = reportWindow(date, now);
  // Burn-rate windows (up to 1 d) end at `end` and may reach into the day before.
  const from = new Date(Math.min(start.getTime(), end.getTime() - DAY));
  const days = [...new Set([from, start, new Date(end.getTime() - 1)].map((d) => d.toISOString().slice(0, 10)))];
  const inRange = (ts: string) => ts >= from.toISOString() && ts < end.toISOString();
  const ledger = new FileLedger(sources.dataDir);
  const inference = (await Promise.all(days.map((d) => ledger.read(d)))).flat().filter((r) => inRange(r.ts));
  const routing = days.flatMap((d) => readRoutingEvents(sources.dataDir, d)).filter((e) => inRange(e.ts)) as RoutingEventRecord[];
  const today = end.getTime() === now.getTime();
  const [jobs, schedules, lanes, approvals] = await Promise.all([
    listJobs(sources.client, from, end),
    observeSchedules(sources.client, start, end),
    today && sources.laneStats ? Promise.all(LANES.map(async (lane): Promise<LaneSnapshot> => ({ lane, ...(await sources.laneStats!(lane)) }))) : Promise.resolve([]),
    today && sources.approvals ? sources.approvals() : Promise.resolve([]),
  ]);
  return {
    date,
    windowStart: start.toISOString(),
    windowEnd: end.toISOString(),
    generatedAt: now.toISOString(),
    inference,
    routing,
    jobs,
    lanes,
    schedules,
    approvals,
    history: await readSloHistory<DailySloCounts['counts']>(sources.dataDir, date, 27),
  };
}

const STATUS: Record<string, JobRun['status']> = {
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  TERMINATED: 'TERMINATED',
  CANCELLED: 'CANCELLED',
  CONTINUED_AS_NEW: 'CONTINUED_AS_NEW',
};

async function listJobs(client: Client, from: Date, end: Date): Promise<JobRun[]> {
  const a = from.toISOString();
  const b = end.toISOString();
  const query = `(StartTime >= "${a}" AND StartTime < "${b}") OR (CloseTime >= "${a}" AND CloseTime < "${b}")`;
  const jobs: JobRun[] = [];
  for await (const execution of client.workflow.list({ query })) {
    const status = STATUS[execution.status.name] ?? 'UNKNOWN';
    jobs.push({
      workflowId: execution.workflowId,
      workflowType: execution.type,
      jobType: execution.typedSearchAttributes.get(SA.JobType) ?? execution.type,
      lane: laneOf(execution),
      status,
      startTime: execution.startTime.toISOString(),
      closeTime: execution.closeTime?.toISOString() ?? null,
      failureReason: status === 'FAILED' ? await failureReason(client, execution) : status === 'TIMED_OUT' ? 'timeout' : status === 'TERMINATED' ? 'terminated' : null,
    });
  }
  return jobs;
}

function laneOf(execution: WorkflowExecutionInfo): Lane | null {
  const lane = execution.typedSearchAttributes.get(SA.Lane);
  return lane && (LANES as readonly string[]).includes(lane) ? (lane as Lane) : null;
}

/** The failure's type: the innermost application failure type (e.g. `AllRoutesFailed`), else its first line. */
async function failureReason(client: Client, execution: WorkflowExecutionInfo): Promise<string> {
  const response = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: execution.workflowId, runId: execution.runId },
    historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
  });
  let failure = response.history?.events?.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
  let reason: string | undefined;
  while (failure) {
    if (failure.applicationFailureInfo?.type) reason = failure.applicationFailureInfo.type;
    else if (failure.timeoutFailureInfo) reason ??= 'timeout';
    failure = failure.cause;
  }
  return reason ?? 'failed';
}

async function observeSchedules(client: Client, start: Date, end: Date): Promise<ScheduleObservation[]> {
  const observations: ScheduleObservation[] = [];
  for await (const summary of client.schedule.list()) {
    const description = await client.schedule.getHandle(summary.scheduleId).describe();
    const matching: temporal.api.workflowservice.v1.IListScheduleMatchingTimesResponse = await client.workflowService.listScheduleMatchingTimes({
      namespace: client.options.namespace,
      scheduleId: summary.scheduleId,
      startTime: msToTs(start.getTime()),
      endTime: msToTs(end.getTime() - 1),
    });
    // Firings before the schedule existed were never due.
    const createdAt = description.info.createdAt.getTime();
    const expected = (matching.startTime ?? []).map((t) => tsToMs(t)).filter((t) => t >= createdAt).map((t) => new Date(t).toISOString());
    const runs: ScheduleObservation['runs'] = [];
    const query = `TemporalScheduledById = "${summary.scheduleId}" AND TemporalScheduledStartTime >= "${start.toISOString()}" AND TemporalScheduledStartTime < "${end.toISOString()}"`;
    for await (const execution of client.workflow.list({ query })) {
      runs.push({
        workflowId: execution.workflowId,
        scheduledAt: (execution.typedSearchAttributes.get(scheduledStartTime) ?? execution.startTime).toISOString(),
        startedAt: execution.startTime.toISOString(),
        status: STATUS[execution.status.name] ?? 'UNKNOWN',
      });
    }
    const memo = description.action.memo?.civicosSchedule as { workflow?: string } | undefined;
    observations.push({
      id: summary.scheduleId,
      workflow: memo?.workflow ?? (description.action.type === 'startWorkflow' ? description.action.workflowType : 'unknown'),
      paused: description.state.paused,
      expected,
      runs: runs.sort((x, y) => x.scheduledAt.localeCompare(y.scheduledAt)),
      missedCatchupWindowTotal: description.info.numActionsMissedCatchupWindow,
      skippedOverlapTotal: description.info.numActionsSkippedOverlap,
    });
  }
  return observations.sort((x, y) => x.id.localeCompare(y.id));
}
