import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import { AlertSender, FileLedger, type ModelHostTarget } from '../activities';
import type { PlatformEnv } from '../common/env';
import type { JsonLogger } from '../common/logger';
import { createInferenceWorkers } from './inference-worker';
import { startQueueMonitor } from './queue-monitor';
import { createWorkflowWorker } from './workflow-worker';

export interface RunningWorkers {
  /** Resolves when every worker has stopped; rejects if one crashes. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Starts, in this process, the workflow worker with the queue monitor (unless `workflows: false`,
 * e.g. on a GPU host) and one inference worker per model host.
 */
export async function runWorkers(options: {
  env: PlatformEnv;
  logger: JsonLogger;
  hosts: ModelHostTarget[];
  aliases?: Record<string, string>;
  workflowBundle?: WorkerOptions['workflowBundle'];
  workflows?: boolean;
}): Promise<RunningWorkers> {
  const { env, logger } = options;
  const connection = await NativeConnection.connect({ address: env.temporalAddress });
  const ledger = new FileLedger(env.dataDir);
  const alerts = new AlertSender({ logger, webhook: env.alertWebhook });
  const workers: Worker[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  if (options.workflows !== false) {
    workers.push(await createWorkflowWorker({ connection, namespace: env.namespace, deps: { logger, alerts, dataDir: env.dataDir }, workflowBundle: options.workflowBundle }));
    const monitorConnection = await Connection.connect({ address: env.temporalAddress });
    const monitor = startQueueMonitor({ client: new Client({ connection: monitorConnection, namespace: env.namespace }), policy: env.queue, alerts, logger });
    cleanups.push(monitor.stop, () => monitorConnection.close());
  }
  for (const host of options.hosts) {
    const inference = await createInferenceWorkers({
      connection,
      namespace: env.namespace,
      host,
      ledger,
      logger,
      aliases: options.aliases,
      dataDir: env.dataDir,
      prodBacklogDeferMs: env.queue.prodBacklogDeferMs,
      watchIntervalMs: Math.min(1_000, env.queue.monitorIntervalMs),
    });
    workers.push(...inference.workers);
    cleanups.push(inference.stopWatching);
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
