import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import { AlertSender, FileLedger, type ModelHostTarget } from '../activities';
import type { PlatformEnv } from '../common/env';
import type { JsonLogger } from '../common/logger';
import { createInferenceWorkers } from './inference-worker';
import { createWorkflowWorker } from './workflow-worker';

export interface RunningWorkers {
  /** Resolves when every worker has stopped; rejects if one crashes. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** Starts the workflow worker and one inference worker per model host, in this process. */
export async function runWorkers(options: {
  env: PlatformEnv;
  logger: JsonLogger;
  hosts: ModelHostTarget[];
  aliases?: Record<string, string>;
  workflowBundle?: WorkerOptions['workflowBundle'];
}): Promise<RunningWorkers> {
  const connection = await NativeConnection.connect({ address: options.env.temporalAddress });
  const ledger = new FileLedger(options.env.dataDir);
  const alerts = new AlertSender({ logger: options.logger, webhook: options.env.alertWebhook });
  const deps = { logger: options.logger, alerts, dataDir: options.env.dataDir };
  const workers: Worker[] = [await createWorkflowWorker({ connection, namespace: options.env.namespace, deps, workflowBundle: options.workflowBundle })];
  for (const host of options.hosts) {
    const inference = await createInferenceWorkers({ connection, namespace: options.env.namespace, host, ledger, logger: options.logger, aliases: options.aliases });
    workers.push(...inference.workers);
  }
  const done = Promise.all(workers.map((worker) => worker.run())).then(async () => {
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
