import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { LANES, laneQueue, providerQueue, type Lane } from '../common/lanes';
import { SCHEDULED_RUN_JOB_TYPE } from '../common/search-attributes';

/**
 * Lane administration against the Temporal server, shared by the CLI (`queue pause|resume|status`,
 * admission) and the workers (queue monitor, slot budget): pause state, lane stats, admission count.
 */

const ACTIVITY_QUEUE = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
/** Reason prefix that marks a rate limit of 0 as our pause (an operator may set other limits). */
const PAUSE_MARK = 'civicos-pause:';

/** A client connection or a worker's NativeConnection: both carry the workflow service. */
export interface ServerConnection {
  workflowService: temporal.api.workflowservice.v1.WorkflowService;
}

export type LaneSelector = Lane | 'all';

export function selectLanes(selector: LaneSelector): Lane[] {
  return selector === 'all' ? [...LANES] : [selector];
}

/** Every activity queue of a lane: its inference queue, then one per OpenAI-compatible provider. */
export function laneQueues(lane: Lane, providers: readonly string[]): string[] {
  return [laneQueue(lane), ...providers.map((provider) => providerQueue(provider, lane))];
}

/**
 * Pause is server-side: a task-queue rate limit of 0 on the lane's activity queues (inference, and
 * each provider's, given `providers`), so it holds for every worker on every host; tasks stay
 * durable in the queue. Who/why/when are kept by the server in the rate limit's metadata.
 */
export async function pauseLanes(client: Client, options: { lanes: LaneSelector; reason: string; by: string; providers?: readonly string[] }): Promise<void> {
  await updateLaneRateLimit(client, options, { rateLimit: { requestsPerSecond: 0 }, reason: `${PAUSE_MARK}${options.reason}` });
}

export async function resumeLanes(client: Client, options: { lanes: LaneSelector; by: string; reason?: string; providers?: readonly string[] }): Promise<void> {
  // No rate limit in the update removes ours.
  await updateLaneRateLimit(client, options, { reason: options.reason ?? 'resumed' });
}

async function updateLaneRateLimit(
  client: Client,
  options: { lanes: LaneSelector; by: string; providers?: readonly string[] },
  updateQueueRateLimit: temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest.IRateLimitUpdate,
): Promise<void> {
  for (const lane of selectLanes(options.lanes)) {
    for (const taskQueue of laneQueues(lane, options.providers ?? [])) {
      await client.connection.workflowService.updateTaskQueueConfig({
        namespace: client.options.namespace,
        identity: options.by,
        taskQueue,
        taskQueueType: ACTIVITY_QUEUE,
        updateQueueRateLimit,
      });
    }
  }
}

export interface PauseState {
  paused: boolean;
  since: string | null;
  by: string | null;
  reason: string | null;
}

/** Seconds of a protobuf duration or timestamp. */
export function protoSeconds(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!duration) return 0;
  return Number(duration.seconds ?? 0) + (duration.nanos ?? 0) / 1e9;
}

/** An activity queue as the server reports it: stats (cached for a few seconds) and config (the pause). */
export async function describeActivityQueue(connection: ServerConnection, namespace: string, name: string) {
  return await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name },
    taskQueueType: ACTIVITY_QUEUE,
    reportStats: true,
    reportConfig: true,
  });
}

export async function describeLane(client: Client, lane: Lane) {
  return await describeActivityQueue(client.connection, client.options.namespace, laneQueue(lane));
}

/** Backlog of a queue from its stats. */
export function backlogOf(stats: temporal.api.taskqueue.v1.ITaskQueueStats | null | undefined): { backlog: number; oldestWaitingSeconds: number } {
  return { backlog: Number(stats?.approximateBacklogCount ?? 0), oldestWaitingSeconds: protoSeconds(stats?.approximateBacklogAge) };
}

/** Backlog of a lane's activity queue, for a worker on its own connection. */
export async function describeLaneStats(connection: ServerConnection, namespace: string, lane: Lane): Promise<{ backlog: number; oldestWaitingMs: number }> {
  const { stats } = await describeActivityQueue(connection, namespace, laneQueue(lane));
  const { backlog, oldestWaitingSeconds } = backlogOf(stats);
  return { backlog, oldestWaitingMs: oldestWaitingSeconds * 1000 };
}

export function pauseStateOf(config: temporal.api.taskqueue.v1.ITaskQueueConfig | null | undefined): PauseState {
  const limit = config?.queueRateLimit;
  const reason = limit?.metadata?.reason ?? '';
  const paused = Boolean(limit?.rateLimit) && (limit?.rateLimit?.requestsPerSecond ?? 0) === 0 && reason.startsWith(PAUSE_MARK);
  if (!paused) return { paused: false, since: null, by: null, reason: null };
  const updated = limit?.metadata?.updateTime;
  return {
    paused: true,
    since: updated ? new Date(protoSeconds(updated) * 1000).toISOString() : null,
    by: limit?.metadata?.updateIdentity ?? null,
    reason: reason.slice(PAUSE_MARK.length),
  };
}

/**
 * Unfinished work of a lane, from visibility (Lane and JobType are set at start): inference
 * requests and CivicOS runs. A schedule's `scheduledRun` launcher is not counted: its business
 * run is (and its schedule's overlap policy keeps it to one at a time).
 */
export async function admittedCount(client: Client, lane: Lane): Promise<number> {
  const { count } = await client.workflow.count(`ExecutionStatus = "Running" AND Lane = "${lane}" AND JobType != "${SCHEDULED_RUN_JOB_TYPE}"`);
  return count;
}
