import * as path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { bareActivities } from './activities';

export const BARE_TASK_QUEUE = 'bench-bare';
/** An activity-only queue, as a lane queue is to the platform's workflows. */
export const BARE_ACTIVITY_QUEUE = 'bench-bare-activity';

const noop = (): void => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/**
 * A worker for the bare workflow on the benchmark's server, beside the platform's workers, with the
 * platform's data converter (payloads encrypted alike, so the floor includes what encryption costs).
 * `stopped` rejects if the worker stops on its own, so the benchmark fails instead of waiting forever.
 */
export async function runBareWorker(address: string, namespace: string, dataConverter: DataConverter): Promise<{ stopped: Promise<never>; shutdown(): Promise<void> }> {
  const connection = await NativeConnection.connect({ address });
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'workflows.ts'), logger: quiet });
  const worker = await Worker.create({ connection, namespace, taskQueue: BARE_TASK_QUEUE, workflowBundle: bundle, activities: bareActivities, dataConverter });
  // A second connection: the SDK allows one Worker per task queue per connection, and this one serves activities only.
  const activityConnection = await NativeConnection.connect({ address });
  const activityWorker = await Worker.create({ connection: activityConnection, namespace, taskQueue: BARE_ACTIVITY_QUEUE, activities: bareActivities, dataConverter });
  const running = Promise.all([worker.run(), activityWorker.run()]);
  const stopped = running.then(() => Promise.reject(new Error('the bare worker stopped')));
  stopped.catch(noop);
  return {
    stopped,
    async shutdown() {
      for (const w of [worker, activityWorker]) if (w.getState() === 'RUNNING') w.shutdown();
      await running.catch(noop);
      await connection.close();
      await activityConnection.close();
    },
  };
}
