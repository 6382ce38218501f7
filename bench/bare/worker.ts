import * as path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { bareActivities } from './activities';

export const BARE_TASK_QUEUE = 'bench-bare';

const noop = (): void => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/** A worker for the bare workflow on the benchmark's server, beside the platform's workers. */
export async function runBareWorker(address: string, namespace: string): Promise<{ shutdown(): Promise<void> }> {
  const connection = await NativeConnection.connect({ address });
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'workflows.ts'), logger: quiet });
  const worker = await Worker.create({ connection, namespace, taskQueue: BARE_TASK_QUEUE, workflowBundle: bundle, activities: bareActivities });
  const running = worker.run();
  return {
    async shutdown() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
