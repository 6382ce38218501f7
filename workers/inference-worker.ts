import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { redactingInterceptors } from './redacting-interceptor';
import { Worker } from '@temporalio/worker';
import { createInferenceActivities, type AlertSink, type Ledger, type ModelHostTarget } from '../activities';
import { HostHealth } from '../activities/inference/host-health';
import type { ModelCallPolicy } from '../platform/env';
import { describeLaneStats } from '../platform/lane-admin';
import { LANES, laneQueue } from '../common/lanes';
import type { JsonLogger } from '../platform/logger';
import { publishHostSlots } from '../stores/host-slots';
import type { RoutingStore } from '../stores/routing-store';
import { SlotBudget } from './slot-budget';
import { tracingActivityInterceptor } from '../platform/tracing';

/** After a host outage, how long prod work has the host to itself. */
const RECOVERY_PROD_FIRST_MS = 3_000;

export interface InferenceWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  host: ModelHostTarget;
  ledger: Ledger;
  logger: JsonLogger;
  /** The routing matrix in force (the data dir's store): requests sent without a route are resolved here. */
  routing: Pick<RoutingStore, 'current'>;
  aliases?: Record<string, string>;
  /** Where slot usage is published for `civicos queue status` (`<dataDir>/hosts/<host>.json`). */
  dataDir?: string;
  /** Experimental work gets no new slot while the prod backlog is older than this. */
  prodBacklogDeferMs?: number;
  /** How often slot usage is published and the prod backlog checked. */
  watchIntervalMs?: number;
  /** Where `model_host_down` (and its recovery notice) goes. */
  alerts?: AlertSink;
  /** Call deadlines and the prod wait for a down host (env). */
  modelCalls?: ModelCallPolicy;
  /** Liveness probe period of a call waiting for tokens (default 3 s). */
  probeIntervalMs?: number;
  /** The project's encrypting converter (codec/); every Worker has it. */
  dataConverter: WorkerOptions['dataConverter'];
}

export interface InferenceWorkers {
  workers: Worker[];
  budget: SlotBudget;
  health: HostHealth;
  /** Stops the publisher and the backlog watch (the Workers are shut down by their owner). */
  stopWatching(): void;
}

/**
 * The inference worker of one model host: one Worker per lane task queue, sharing one slot
 * budget equal to the host's parallel slots.
 */
export async function createInferenceWorkers(options: InferenceWorkerOptions): Promise<InferenceWorkers> {
  const budget = new SlotBudget(options.host.slots, options.host.reservedForProd);
  // A fresh worker knows nothing of the prod backlog yet: experimental waits for the first check.
  budget.setExperimentalDeferred(true);
  const health = watchHostHealth(options);
  // On recovery prod drains first: experimental waits a moment longer, so prod requests pausing
  // between schedulings (about a second) are back in the queue before experimental work starts.
  let prodFirstUntil = 0;
  health.onChange((down) => {
    if (!down) {
      prodFirstUntil = Date.now() + RECOVERY_PROD_FIRST_MS;
      budget.setExperimentalDeferred(true);
    }
    budget.setHostDown(down);
  });
  const activities = createInferenceActivities({
    host: options.host,
    ledger: options.ledger,
    logger: options.logger,
    routing: options.routing,
    aliases: options.aliases,
    preemption: budget,
    health,
    calls: options.modelCalls,
    probeIntervalMs: options.probeIntervalMs,
  });
  const fixed = { type: 'fixed-size', numSlots: 1 } as const;
  const workers = await Promise.all(
    LANES.map((lane) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: laneQueue(lane),
        identity: `civicos-inference/${options.host.name}/${lane}`,
        dataConverter: options.dataConverter,
        activities,
        // Tracing outermost: its span records a failure after the redactor has cleaned it.
        interceptors: { activity: [tracingActivityInterceptor, ...(redactingInterceptors.activity ?? [])] },
        tuner: {
          activityTaskSlotSupplier: budget.supplier(lane),
          workflowTaskSlotSupplier: fixed,
          localActivityTaskSlotSupplier: fixed,
          nexusTaskSlotSupplier: fixed,
        },
        maxConcurrentActivityTaskPolls: Math.max(1, Math.min(options.host.slots, 4)),
        // Cancellation reaches an activity only through a heartbeat response: keep that under a second.
        maxHeartbeatThrottleInterval: '1s',
      }),
    ),
  );
  const timers: NodeJS.Timeout[] = [];
  const interval = options.watchIntervalMs ?? 1_000;
  if (options.dataDir) {
    const publish = (): void => {
      const { slots, reservedForProd, running } = budget.snapshot();
      publishHostSlots(options.dataDir!, { host: options.host.name, slots, reservedForProd, running, pid: process.pid, updatedAt: new Date().toISOString() });
    };
    publish();
    timers.push(setInterval(publish, interval));
  }
  const deferMs = options.prodBacklogDeferMs ?? 2_000;
  let watching = false;
  const checkBacklog = (): void => {
    if (watching) return;
    watching = true;
    describeLaneStats(options.connection, options.namespace, 'prod')
      .then((stats) => {
        const blocked = (stats.backlog > 0 && stats.oldestWaitingMs > deferMs) || Date.now() < prodFirstUntil;
        if (blocked !== budget.experimentalDeferred) {
          options.logger.warn(blocked ? 'prod backlog is old: deferring experimental work' : 'prod backlog cleared: experimental work resumes', { host: options.host.name, ...stats });
        }
        budget.setExperimentalDeferred(blocked);
      })
      .catch((error: unknown) => options.logger.warn('prod backlog check failed', { error }))
      .finally(() => {
        watching = false;
      });
  };
  checkBacklog();
  timers.push(setInterval(checkBacklog, interval));
  timers.push(setInterval(() => budget.passOneProdTask(), 1_000));
  options.logger.info('inference worker ready', { host: options.host.name, url: options.host.url, slots: options.host.slots, simulated: options.host.simulated });
  return {
    workers,
    budget,
    health,
    stopWatching() {
      for (const timer of timers) clearInterval(timer);
      health.stop();
    },
  };
}

/** The host's health, with one `model_host_down` alert per outage and a recovery notice. */
function watchHostHealth(options: InferenceWorkerOptions): HostHealth {
  const { host, alerts, logger } = options;
  const send = (alert: Parameters<AlertSink['send']>[0]): void => {
    void alerts?.send(alert).catch((error: unknown) => logger.error('alert not sent', { kind: alert.kind, error }));
  };
  return new HostHealth({
    host,
    logger,
    onDown: ({ since, reason }) =>
      send({ kind: 'model_host_down', severity: 'critical', subject: host.name, message: `model host ${host.name} (${host.url}) is down since ${since.toISOString()}: ${reason}; its requests wait in the lane queues`, details: { host: host.name, url: host.url, since: since.toISOString(), reason } }),
    onUp: ({ since, downForMs }) =>
      send({ kind: 'model_host_recovered', severity: 'warning', subject: host.name, message: `model host ${host.name} is back after ${Math.round(downForMs / 1000)} s (down since ${since.toISOString()}); its queue drains now`, details: { host: host.name, since: since.toISOString(), downForMs } }),
  });
}
