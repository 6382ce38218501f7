import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { FileLedger, type InferenceRecord } from '../activities/ledger';
import { RoutingStore } from '../activities/routing-store';
import { LANES, laneQueue, providerQueue, type Lane } from '../common/lanes';
import { queuedProviders, type RoutingMatrix } from '../common/routing-matrix';

const ACTIVITY_QUEUE = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
/** Reason prefix that marks a rate limit of 0 as our pause (an operator may set other limits). */
const PAUSE_MARK = 'civicos-pause:';

export type LaneSelector = Lane | 'all';

export function selectLanes(selector: LaneSelector): Lane[] {
  return selector === 'all' ? [...LANES] : [selector];
}

/** The OpenAI-compatible providers of the routing matrix in force under `dataDir`: their queues pause with the lanes. */
export function routedProviders(dataDir: string): string[] {
  return queuedProviders(new RoutingStore(dataDir).current().matrix);
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

export interface HostSlots {
  host: string;
  slots: number;
  reservedForProd: number;
  running: Record<Lane, number>;
  updatedAt: string;
  stale: boolean;
}

/** A provider's queue on a lane (cloud, local pilot). */
export interface ProviderQueueStatus {
  provider: string;
  taskQueue: string;
  paused: boolean;
  backlog: number;
  oldestWaitingSeconds: number;
  dispatchRatePerSecond: number;
  /** Calls at once per worker process (the matrix's `concurrency`). */
  concurrency: number;
}

export interface LaneStatus {
  lane: Lane;
  taskQueue: string;
  pause: PauseState;
  providers: ProviderQueueStatus[];
  /** Unfinished requests admitted to the lane (visibility count); what the cap bounds. */
  admitted: number;
  backlog: number;
  oldestWaitingSeconds: number;
  dispatchRatePerSecond: number;
  addRatePerSecond: number;
  inFlight: number;
  queueWaitP50Ms: number | null;
  queueWaitP95Ms: number | null;
  completedLast15m: number;
}

export interface QueueStatus {
  at: string;
  lanes: LaneStatus[];
  hosts: HostSlots[];
}

function seconds(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!duration) return 0;
  return Number(duration.seconds ?? 0) + (duration.nanos ?? 0) / 1e9;
}

export async function describeLane(client: Client, lane: Lane) {
  return await describeActivityQueue(client, laneQueue(lane));
}

async function describeActivityQueue(client: Client, name: string) {
  return await client.connection.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name },
    taskQueueType: ACTIVITY_QUEUE,
    reportStats: true,
    reportConfig: true,
  });
}

export function pauseStateOf(config: temporal.api.taskqueue.v1.ITaskQueueConfig | null | undefined): PauseState {
  const limit = config?.queueRateLimit;
  const reason = limit?.metadata?.reason ?? '';
  const paused = Boolean(limit?.rateLimit) && (limit?.rateLimit?.requestsPerSecond ?? 0) === 0 && reason.startsWith(PAUSE_MARK);
  if (!paused) return { paused: false, since: null, by: null, reason: null };
  const updated = limit?.metadata?.updateTime;
  return {
    paused: true,
    since: updated ? new Date(seconds(updated) * 1000).toISOString() : null,
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
  const { count } = await client.workflow.count(`ExecutionStatus = "Running" AND Lane = "${lane}" AND JobType != "scheduled-run"`);
  return count;
}

/** Slot usage each inference worker publishes under `<data>/hosts/`. */
export function readHostSlots(dataDir: string, now = Date.now()): HostSlots[] {
  const dir = path.join(dataDir, 'hosts');
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    try {
      const record = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Omit<HostSlots, 'stale'>;
      return [{ ...record, stale: now - Date.parse(record.updatedAt) > 15_000 }];
    } catch {
      return [];
    }
  });
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function recentRecords(dataDir: string, now: number): Promise<InferenceRecord[]> {
  const ledger = new FileLedger(dataDir);
  const today = new Date(now).toISOString().slice(0, 10);
  const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
  const records = [...(await ledger.read(yesterday)), ...(await ledger.read(today))];
  return records.filter((r) => now - Date.parse(r.ts) <= 15 * 60_000);
}

async function providerQueues(client: Client, matrix: RoutingMatrix, lane: Lane): Promise<ProviderQueueStatus[]> {
  return await Promise.all(
    queuedProviders(matrix).map(async (provider): Promise<ProviderQueueStatus> => {
      const taskQueue = providerQueue(provider, lane);
      const { stats, config } = await describeActivityQueue(client, taskQueue);
      return {
        provider,
        taskQueue,
        paused: pauseStateOf(config).paused,
        backlog: Number(stats?.approximateBacklogCount ?? 0),
        oldestWaitingSeconds: Math.round(seconds(stats?.approximateBacklogAge) * 10) / 10,
        dispatchRatePerSecond: Math.round((stats?.tasksDispatchRate ?? 0) * 100) / 100,
        concurrency: matrix.providers[provider]!.concurrency[lane],
      };
    }),
  );
}

export async function queueStatus(client: Client, dataDir: string, now = Date.now()): Promise<QueueStatus> {
  const hosts = readHostSlots(dataDir, now);
  const records = await recentRecords(dataDir, now);
  const { matrix } = new RoutingStore(dataDir).current();
  const lanes = await Promise.all(
    LANES.map(async (lane): Promise<LaneStatus> => {
      const [description, admitted, providers] = await Promise.all([describeLane(client, lane), admittedCount(client, lane), providerQueues(client, matrix, lane)]);
      const stats = description.stats;
      const started = records.filter((r) => r.lane === lane && r.outcome !== 'expired');
      const waits = started.map((r) => r.queueWaitMs);
      return {
        lane,
        taskQueue: laneQueue(lane),
        pause: pauseStateOf(description.config),
        providers,
        admitted,
        backlog: Number(stats?.approximateBacklogCount ?? 0),
        oldestWaitingSeconds: Math.round(seconds(stats?.approximateBacklogAge) * 10) / 10,
        dispatchRatePerSecond: Math.round((stats?.tasksDispatchRate ?? 0) * 100) / 100,
        addRatePerSecond: Math.round((stats?.tasksAddRate ?? 0) * 100) / 100,
        inFlight: hosts.filter((h) => !h.stale).reduce((sum, h) => sum + (h.running[lane] ?? 0), 0),
        queueWaitP50Ms: percentile(waits, 50),
        queueWaitP95Ms: percentile(waits, 95),
        completedLast15m: started.filter((r) => r.outcome === 'ok').length,
      };
    }),
  );
  return { at: new Date(now).toISOString(), lanes, hosts };
}

/**
 * The pause is a rate limit of 0 on the lane's activity queue: the Web UI and
 * `temporal task-queue describe` still show the lane's pollers as running.
 */
export function whereThePauseShows(taskQueue: string): string {
  return `the pause shows here and in \`temporal task-queue config get --task-queue ${taskQueue} --task-queue-type activity\` (rate limit 0); the Web UI and \`temporal task-queue describe\` show the lane as running`;
}

export function formatQueueStatus(status: QueueStatus): string {
  const lines = [`queue status at ${status.at}`];
  for (const l of status.lanes) {
    lines.push(
      `${l.lane.padEnd(12)} ${l.pause.paused ? `PAUSED since ${l.pause.since} by ${l.pause.by}: ${l.pause.reason}` : 'running'}`,
      `  backlog ${l.backlog} (oldest ${l.oldestWaitingSeconds}s), admitted ${l.admitted}, in flight ${l.inFlight}, dispatch ${l.dispatchRatePerSecond}/s, add ${l.addRatePerSecond}/s`,
      `  queue wait 15m p50 ${l.queueWaitP50Ms ?? '–'} ms, p95 ${l.queueWaitP95Ms ?? '–'} ms, completed ${l.completedLast15m}`,
      ...l.providers.map(
        (p) => `  provider ${p.provider} (${p.taskQueue}): ${p.paused ? 'PAUSED' : 'running'}, backlog ${p.backlog} (oldest ${p.oldestWaitingSeconds}s), dispatch ${p.dispatchRatePerSecond}/s, at most ${p.concurrency} at once`,
      ),
    );
    if (l.pause.paused) lines.push(`  ${whereThePauseShows(l.taskQueue)}`);
  }
  for (const h of status.hosts) {
    const used = h.running.prod + h.running.experimental;
    lines.push(`host ${h.host}: slots ${used}/${h.slots} used (prod ${h.running.prod}, experimental ${h.running.experimental}, reserved for prod ${h.reservedForProd})${h.stale ? ' STALE' : ''}`);
  }
  if (status.hosts.length === 0) lines.push('hosts: no inference worker has reported slot usage');
  return lines.join('\n');
}
