import { createHash } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import { durationMs } from '../common/duration';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { EXECUTION_TIMEOUT_GRACE_MS } from '../common/reliability-contract';
import { validateSchedules, type ScheduleDefinition } from '../common/schedule-definition';
import { contractFor } from '../common/workflow-contracts';
import { scheduledRunSearchAttributes } from '../common/workflow-inputs';

/** Makes the Temporal schedules match the definitions (`config/schedules.ts`, validated by common/schedule-definition.ts). */
/** Marks schedules this tool owns, so `--prune` never touches anyone else's. */
export const MANAGED_BY = 'civicos schedules apply';

/** The Temporal schedule a definition stands for; the digest in the action's memo says which definition it was built from. */
export function desiredSchedule(def: ScheduleDefinition, taskQueue = WORKFLOW_TASK_QUEUE): ScheduleOptions & { digest: string } {
  const contract = contractFor(def.workflow);
  const core = {
    spec: { cronExpressions: [def.cron], timezone: def.timezone },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'scheduledRun',
      // The Web UI lists every launcher as type `scheduledRun`; its ID names the workflow it runs
      // (Temporal appends the firing time: `donor-digest:scheduled:donor-digest-weekday-2026-…`).
      workflowId: `${def.workflow}:scheduled:${def.id}`,
      taskQueue,
      args: [{ workflow: def.workflow, timezone: def.timezone }],
      workflowExecutionTimeout: durationMs(contract.timeouts.workflow) + 2 * EXECUTION_TIMEOUT_GRACE_MS,
      typedSearchAttributes: scheduledRunSearchAttributes(contract),
    },
    policies: { overlap: def.overlap, catchupWindow: def.catchupWindow, pauseOnFailure: def.pauseOnFailure },
    note: def.note,
  };
  const digest = createHash('sha256').update(JSON.stringify(core)).digest('hex').slice(0, 16);
  return {
    scheduleId: def.id,
    spec: core.spec,
    action: { ...core.action, memo: { civicosSchedule: { id: def.id, workflow: def.workflow, cron: def.cron, timezone: def.timezone, digest } } },
    policies: core.policies,
    memo: { managedBy: MANAGED_BY },
    state: { note: def.note },
    digest,
  };
}

export interface ApplyResult {
  id: string;
  action: 'created' | 'updated' | 'unchanged' | 'deleted' | 'orphaned';
  detail?: string;
}

async function describeOrUndefined(client: Client, id: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

function digestOf(description: ScheduleDescription): string | undefined {
  return (description.action.memo?.civicosSchedule as { digest?: string } | undefined)?.digest;
}

/**
 * Makes the server's schedules match the definitions: creates missing ones, updates changed ones
 * (keeping an operator's pause), leaves identical ones alone. Running it twice changes nothing.
 * Schedules this tool created that are no longer defined are reported, and deleted with `prune`.
 */
export async function applySchedules(client: Client, inputs: readonly unknown[], options: { taskQueue?: string; prune?: boolean; dryRun?: boolean } = {}): Promise<ApplyResult[]> {
  const defs = validateSchedules(inputs);
  const results: ApplyResult[] = [];
  for (const def of defs) {
    const { digest, ...desired } = desiredSchedule(def, options.taskQueue);
    let current = await describeOrUndefined(client, def.id);
    if (!current) {
      try {
        if (!options.dryRun) await client.schedule.create(desired);
        results.push({ id: def.id, action: 'created', detail: `${def.cron} ${def.timezone} → ${def.workflow}` });
        continue;
      } catch (error) {
        // Another apply created it a moment ago: compare with that one.
        if (!(error instanceof ScheduleAlreadyRunning)) throw error;
        current = await describeOrUndefined(client, def.id);
        if (!current) throw error;
      }
    }
    if (digestOf(current) === digest) {
      results.push({ id: def.id, action: 'unchanged' });
      continue;
    }
    if (!options.dryRun) {
      await client.schedule.getHandle(def.id).update((previous) => ({
        spec: desired.spec,
        action: desired.action,
        policies: desired.policies,
        // An operator's (or pause-on-failure's) pause and its note survive an apply.
        state: { paused: previous.state.paused, note: previous.state.paused ? previous.state.note : def.note, remainingActions: previous.state.remainingActions },
      }));
    }
    results.push({ id: def.id, action: 'updated', detail: current.state.paused ? 'still paused' : undefined });
  }
  const defined = new Set(defs.map((d) => d.id));
  for await (const summary of client.schedule.list()) {
    if (summary.memo?.managedBy !== MANAGED_BY || defined.has(summary.scheduleId)) continue;
    if (options.prune && !options.dryRun) await client.schedule.getHandle(summary.scheduleId).delete();
    results.push({ id: summary.scheduleId, action: options.prune ? 'deleted' : 'orphaned', detail: options.prune ? undefined : 'no longer defined; `--prune` deletes it' });
  }
  return results;
}

export interface ScheduleRow {
  id: string;
  workflow: string;
  cron: string;
  timezone: string;
  state: 'active' | 'paused' | 'not applied';
  note: string;
  nextRuns: string[];
  lastRun: { scheduledAt: string; workflowId: string; status: string; businessRun?: string } | null;
  actionsTaken: number;
  missedCatchupWindow: number;
  skippedOverlap: number;
  running: number;
  overlap: string;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  /** False when the server's schedule differs from the definition (run `schedules apply`). */
  inSync: boolean;
}

/** Every defined schedule, as the server sees it: next runs, last run and its outcome, missed and skipped counts. */
export async function listSchedules(client: Client, inputs: readonly unknown[]): Promise<ScheduleRow[]> {
  const defs = validateSchedules(inputs);
  const rows: ScheduleRow[] = [];
  for (const def of defs) {
    const description = await describeOrUndefined(client, def.id);
    if (!description) {
      rows.push({
        id: def.id, workflow: def.workflow, cron: def.cron, timezone: def.timezone, state: 'not applied', note: def.note, nextRuns: [], lastRun: null,
        actionsTaken: 0, missedCatchupWindow: 0, skippedOverlap: 0, running: 0, overlap: def.overlap, catchupWindowMs: durationMs(def.catchupWindow), pauseOnFailure: def.pauseOnFailure, inSync: false,
      });
      continue;
    }
    const last = description.info.recentActions.at(-1);
    rows.push({
      id: def.id,
      workflow: def.workflow,
      cron: def.cron,
      timezone: def.timezone,
      state: description.state.paused ? 'paused' : 'active',
      note: description.state.note ?? '',
      nextRuns: description.info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
      lastRun: last ? await lastRunOf(client, last.scheduledAt, last.action.workflow) : null,
      actionsTaken: description.info.numActionsTaken,
      missedCatchupWindow: description.info.numActionsMissedCatchupWindow,
      skippedOverlap: description.info.numActionsSkippedOverlap,
      running: description.info.runningActions.length,
      overlap: String(description.policies.overlap),
      catchupWindowMs: description.policies.catchupWindow,
      pauseOnFailure: description.policies.pauseOnFailure,
      inSync: digestOf(description) === desiredSchedule(def).digest,
    });
  }
  return rows;
}

async function lastRunOf(client: Client, scheduledAt: Date, workflow: { workflowId: string; firstExecutionRunId: string }): Promise<NonNullable<ScheduleRow['lastRun']>> {
  const handle = client.workflow.getHandle(workflow.workflowId, workflow.firstExecutionRunId);
  const status = await handle.describe().then((d) => d.status.name, () => 'UNKNOWN');
  const businessRun = status === 'COMPLETED' ? await handle.result().then((r: { workflowId?: string; status?: string }) => `${r.workflowId} (${r.status})`, () => undefined) : undefined;
  return { scheduledAt: scheduledAt.toISOString(), workflowId: workflow.workflowId, status, ...(businessRun ? { businessRun } : {}) };
}

export function formatScheduleRows(rows: ScheduleRow[]): string {
  return rows
    .map((r) =>
      [
        `${r.id}  [${r.state}${r.inSync || r.state === 'not applied' ? '' : ', differs from config: run schedules apply'}]  ${r.workflow}  "${r.cron}" ${r.timezone}`,
        `  next: ${r.nextRuns[0] ?? '–'}   last: ${r.lastRun ? `${r.lastRun.scheduledAt} ${r.lastRun.status}${r.lastRun.businessRun ? ` → ${r.lastRun.businessRun}` : ''}` : '–'}`,
        `  runs ${r.actionsTaken}, running ${r.running}, missed (catch-up window) ${r.missedCatchupWindow}, skipped (overlap) ${r.skippedOverlap}; overlap ${r.overlap}, catch-up ${Math.round(r.catchupWindowMs / 60_000)}m, pause on failure ${r.pauseOnFailure ? 'yes' : 'no'}`,
        ...(r.note ? [`  note: ${r.note}`] : []),
      ].join('\n'),
    )
    .join('\n');
}
