import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SloReportResult } from '../activities/slo';
import { SLO_REPORT_SCHEDULE } from '../config/schedules';
import { durationMs } from '../common/duration';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { SA } from '../common/search-attributes';
import { businessDate } from '../common/workflow-inputs';
import type { ApplyResult } from './schedules';

/** Job type (search attribute) of SLO report runs. */
export const SLO_JOB_TYPE = 'slo-report';
const MANAGED_BY = 'civicos slo schedule';

export const sloWorkflowId = (date: string): string => `slo-report:${date}`;

/** `--date`: a real calendar date, not in the future; the message says how to fix it. */
export function parseSloDate(value: string | undefined, now = new Date()): string {
  const date = value ?? now.toISOString().slice(0, 10);
  const parsed = businessDate().safeParse(date);
  if (!parsed.success) throw new RangeError(`--date: "${date}" ${parsed.error.issues[0]?.message ?? 'is not a date'}. Fix: a UTC day such as --date ${now.toISOString().slice(0, 10)}`);
  if (date > now.toISOString().slice(0, 10)) throw new RangeError(`--date: ${date} is in the future. Fix: today (${now.toISOString().slice(0, 10)}) or an earlier UTC day`);
  return date;
}

/**
 * Runs the report for a day on the workers and waits for it. One run per date at a time: a
 * second call while one runs waits for that one; a later call recomputes (today's numbers grow).
 */
export async function runSloReport(client: Client, date: string): Promise<SloReportResult> {
  const workflowId = sloWorkflowId(date);
  try {
    const handle = await client.workflow.start('sloReport', {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId,
      args: [{ date }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowExecutionTimeout: '15 minutes',
      typedSearchAttributes: [{ key: SA.JobType, value: SLO_JOB_TYPE }],
    });
    return (await handle.result()) as SloReportResult;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return (await client.workflow.getHandle(workflowId).result()) as SloReportResult;
    throw error;
  }
}

/** Creates or updates the daily SLO schedule (config/schedules.ts), keeping an operator's pause. */
export async function applySloSchedule(client: Client, options: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  const def = SLO_REPORT_SCHEDULE;
  const core = {
    spec: { cronExpressions: [def.cron], timezone: def.timezone },
    action: { type: 'startWorkflow' as const, workflowType: 'sloReport', workflowId: `scheduled:${def.id}`, taskQueue: WORKFLOW_TASK_QUEUE, args: [{}], workflowExecutionTimeout: '15 minutes', typedSearchAttributes: [{ key: SA.JobType, value: SLO_JOB_TYPE }] },
    policies: { overlap: 'SKIP' as const, catchupWindow: def.catchupWindow, pauseOnFailure: false },
  };
  const digest = createHash('sha256').update(JSON.stringify(core)).digest('hex').slice(0, 16);
  const action = { ...core.action, memo: { civicosSchedule: { id: def.id, workflow: SLO_JOB_TYPE, cron: def.cron, timezone: def.timezone, digest } } };
  const handle = client.schedule.getHandle(def.id);
  let current;
  try {
    current = await handle.describe();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  if (!current) {
    if (!options.dryRun) await client.schedule.create({ scheduleId: def.id, spec: core.spec, action, policies: core.policies, memo: { managedBy: MANAGED_BY }, state: { note: def.note } });
    return { id: def.id, action: 'created', detail: `${def.cron} ${def.timezone} → sloReport (previous UTC day)` };
  }
  if ((current.action.memo?.civicosSchedule as { digest?: string } | undefined)?.digest === digest) return { id: def.id, action: 'unchanged' };
  if (!options.dryRun) {
    await handle.update((previous) => ({ spec: core.spec, action, policies: core.policies, state: { paused: previous.state.paused, note: previous.state.paused ? previous.state.note : def.note, remainingActions: previous.state.remainingActions } }));
  }
  return { id: def.id, action: 'updated' };
}

// The catch-up window must be a valid duration at load time, not at the first apply.
durationMs(SLO_REPORT_SCHEDULE.catchupWindow);
