import type { Client } from '@temporalio/client';
import { FileLedger, type InferenceRecord } from '../stores/ledger';
import { readHostSlots, type HostSlots } from '../stores/host-slots';
import { RoutingStore } from '../stores/routing-store';
import { LANES, laneQueue, providerQueue, type Lane } from '../common/lanes';
import { admittedCount, backlogOf, describeActivityQueue, describeLane, pauseStateOf, type PauseState } from '../platform/lane-admin';
import { queuedProviders, type RoutingMatrix } from '../common/routing-matrix';

/** The OpenAI-compatible providers of the routing matrix in force under `dataDir`: their queues pause with the lanes. */
export function routedProviders(dataDir: string): string[] {
  return queuedProviders(new RoutingStore(dataDir).current().matrix);
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
      const { stats, config } = await describeActivityQueue(client.connection, client.options.namespace, taskQueue);
      const { backlog, oldestWaitingSeconds } = backlogOf(stats);
      return {
        provider,
        taskQueue,
        paused: pauseStateOf(config).paused,
        backlog,
        oldestWaitingSeconds: Math.round(oldestWaitingSeconds * 10) / 10,
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
      const { backlog, oldestWaitingSeconds } = backlogOf(stats);
      const started = records.filter((r) => r.lane === lane && r.outcome !== 'expired');
      const waits = started.map((r) => r.queueWaitMs);
      return {
        lane,
        taskQueue: laneQueue(lane),
        pause: pauseStateOf(description.config),
        providers,
        admitted,
        backlog,
        oldestWaitingSeconds: Math.round(oldestWaitingSeconds * 10) / 10,
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
