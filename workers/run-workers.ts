import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import { dataConverterFor } from '../platform/codec';
import { AlertSender, FileLedger, type ModelHostTarget } from '../activities';
import type { PlatformEnv } from '../platform/env';
import type { JsonLogger } from '../platform/logger';
import { RoutingStore } from '../stores/routing-store';
import { createInferenceWorkers } from './inference-worker';
import { pendingApprovals } from '../platform/approvals';
import type { SloSources } from '../activities/slo';
import { contractFor, WORKFLOW_NAMES } from '../common/workflow-contracts';
import { describeLaneStats } from '../platform/lane-admin';
import { createProviderWorkers } from './provider-worker';
import { startQueueMonitor } from './queue-monitor';
import { startSloMonitor } from './slo-monitor';
import { createWorkflowWorker } from './workflow-worker';

export interface RunningWorkers {
  /** Resolves when every worker has stopped; rejects if one crashes. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export interface RunWorkersOptions {
  env: PlatformEnv;
  logger: JsonLogger;
  hosts: ModelHostTarget[];
  aliases?: Record<string, string>;
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** false on a GPU host that runs inference workers only. */
  workflows?: boolean;
}

type Cleanup = () => Promise<void> | void;

/**
 * Starts, in this process, the workflow worker with the queue monitor and the provider workers
 * (unless `workflows: false`), and one inference worker per model host.
 */
export async function runWorkers(options: RunWorkersOptions): Promise<RunningWorkers> {
  // Every worker encrypts what it sends and decrypts what it reads (a bad key stops the start here).
  const dataConverter = dataConverterFor(options.env);
  const connection = await NativeConnection.connect({ address: options.env.temporalAddress });
  const workers: Worker[] = [];
  const cleanups: Cleanup[] = [];
  try {
    await createWorkers(options, connection, dataConverter, workers, cleanups);
  } catch (error) {
    // A refused start (e.g. a bad reliability contract, a stored routing matrix that no longer
    // validates) must not leave connections open, and must say why it was refused: a failure to
    // release (a Worker created before the refusal still holds the connection) is logged, not thrown.
    for (const release of [...cleanups, () => connection.close()]) {
      try {
        await release();
      } catch (releaseError) {
        options.logger.warn('could not release a connection after a refused start', { error: releaseError instanceof Error ? releaseError.message : String(releaseError) });
      }
    }
    throw error;
  }
  const done = Promise.all(workers.map((worker) => worker.run())).then(async () => {
    for (const cleanup of cleanups) await cleanup();
    await connection.close();
  });
  return {
    done,
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

async function createWorkers(options: RunWorkersOptions, connection: NativeConnection, dataConverter: DataConverter, workers: Worker[], cleanups: Cleanup[]): Promise<void> {
  const { env, logger } = options;
  const alerts = new AlertSender({ logger, webhook: env.alertWebhook });
  if (options.workflows !== false) {
    const monitorConnection = await Connection.connect({ address: env.temporalAddress });
    cleanups.push(() => monitorConnection.close());
    const client = new Client({ connection: monitorConnection, namespace: env.namespace, dataConverter });
    const sloSources = async (): Promise<SloSources> => ({
      client,
      dataDir: env.dataDir,
      laneStats: (lane) => describeLaneStats(connection, env.namespace, lane),
      approvals: async () => (await pendingApprovals(client, WORKFLOW_NAMES.filter((name) => contractFor(name).approval))).map((p) => ({ workflowId: p.workflowId, jobType: p.jobType, since: p.since })),
    });
    workers.push(await createWorkflowWorker({ connection, namespace: env.namespace, deps: { logger, alerts, dataDir: env.dataDir, callbackHosts: env.callbackHosts, directors: env.directors, approvers: env.approvers, sloSources }, workflowBundle: options.workflowBundle, dataConverter }));
    // Cloud and pilot calls: the provider keys live with the workflow worker, so their queues are served here.
    workers.push(...(await createProviderWorkers({ connection, namespace: env.namespace, matrix: new RoutingStore(env.dataDir).current().matrix, dataDir: env.dataDir, hostPolicy: env.providerHosts, logger, dataConverter })));
    const monitor = startQueueMonitor({ client, policy: env.queue, alerts, logger });
    const sloMonitor = startSloMonitor({ sources: sloSources, alerts, logger });
    cleanups.unshift(monitor.stop, sloMonitor.stop);
  }
  const ledger = new FileLedger(env.dataDir);
  const routing = new RoutingStore(env.dataDir);
  for (const [index, host] of options.hosts.entries()) {
    // The SDK allows one Worker per task queue per connection: every further host gets its own.
    const hostConnection = index === 0 ? connection : await NativeConnection.connect({ address: env.temporalAddress });
    if (hostConnection !== connection) cleanups.push(() => hostConnection.close());
    const inference = await createInferenceWorkers({
      connection: hostConnection,
      namespace: env.namespace,
      host,
      ledger,
      logger,
      routing,
      aliases: options.aliases,
      dataDir: env.dataDir,
      prodBacklogDeferMs: env.queue.prodBacklogDeferMs,
      watchIntervalMs: Math.min(1_000, env.queue.monitorIntervalMs),
      alerts,
      modelCalls: env.modelCalls,
      dataConverter,
    });
    workers.push(...inference.workers);
    cleanups.push(inference.stopWatching);
  }
}
