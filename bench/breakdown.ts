/**
 * Where a request's time goes, read from its workflow history's event timestamps (server clock)
 * plus the client's own submit and result times (same machine, same clock).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { fmt, percentile } from './support';

const EVENT = temporal.api.enums.v1.EventType;

export const STEPS = [
  'submit (validation, admission, start call)',
  'start → first workflow task started',
  'first workflow task (module load, validation; a routing local activity off the happy path)',
  'activity scheduled → started (dispatch)',
  'activity (the model call / no-op)',
  'activity completed → last workflow task started (server, dispatch)',
  'last workflow task (result → completion)',
  'workflow completed → client has the result',
] as const;

export interface Timing {
  workflowId: string;
  /** Client clock: before the submit, after it returned, after the result arrived. */
  t0: number;
  submitted: number;
  resulted: number;
}

export interface Breakdown {
  steps: number[];
  workflowTasks: number;
  activities: number;
}

/** An event time in ms with its sub-millisecond part (the SDK's tsToMs drops it, and most steps are a few ms). */
function tsToMs(ts: { seconds?: { toNumber(): number } | number | null; nanos?: number | null }): number {
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

export async function breakdown(client: Client, timing: Timing): Promise<Breakdown> {
  const history = await client.workflow.getHandle(timing.workflowId).fetchHistory();
  const events = history.events ?? [];
  const at = (type: number, nth = 0): number | undefined => {
    const found = events.filter((e) => e.eventType === type)[nth];
    return found?.eventTime ? tsToMs(found.eventTime) : undefined;
  };
  // The last activity task is the model call (or the bare no-op); earlier ones, if any, are the platform's own.
  const activityScheduled = events.filter((e) => e.eventType === EVENT.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  const lastActivity = activityScheduled.length - 1;
  const started = at(EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)!;
  const firstWftStarted = at(EVENT.EVENT_TYPE_WORKFLOW_TASK_STARTED)!;
  const firstWftCompleted = at(EVENT.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)!;
  const actScheduled = at(EVENT.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, lastActivity)!;
  const actStarted = at(EVENT.EVENT_TYPE_ACTIVITY_TASK_STARTED, lastActivity)!;
  const actCompleted = at(EVENT.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, lastActivity)!;
  const lastWftStarted = events.filter((e) => e.eventType === EVENT.EVENT_TYPE_WORKFLOW_TASK_STARTED).at(-1)?.eventTime;
  const completed = at(EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)!;
  const lastStarted = lastWftStarted ? tsToMs(lastWftStarted) : actCompleted;
  return {
    steps: [
      timing.submitted - timing.t0,
      firstWftStarted - started,
      firstWftCompleted - firstWftStarted,
      actStarted - actScheduled,
      actCompleted - actStarted,
      lastStarted - actCompleted,
      completed - lastStarted,
      timing.resulted - completed,
    ],
    workflowTasks: events.filter((e) => e.eventType === EVENT.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    activities: activityScheduled.length,
  };
}

/** A Markdown table of the p50 of each step, one column per measured path. */
export function breakdownTable(columns: { name: string; rows: Breakdown[] }[]): string[] {
  const median = (rows: Breakdown[], pick: (b: Breakdown) => number): string => fmt(percentile(rows.map(pick), 50));
  return [
    `| step (p50 ms) | ${columns.map((c) => c.name).join(' | ')} |`,
    `|---|${columns.map(() => '---|').join('')}`,
    ...STEPS.map((step, i) => `| ${step} | ${columns.map((c) => median(c.rows, (b) => b.steps[i]!)).join(' | ')} |`),
    `| workflow tasks per request | ${columns.map((c) => median(c.rows, (b) => b.workflowTasks)).join(' | ')} |`,
    `| activity tasks per request | ${columns.map((c) => median(c.rows, (b) => b.activities)).join(' | ')} |`,
  ];
}
