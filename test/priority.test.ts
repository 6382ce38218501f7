import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import type { priorityProbe } from './support/workflows';
import { addSecondBatchSignal } from './support/workflows/priority-probe';
import { connectTest, eventually, uniqueId } from './support/temporal';

let env: Awaited<ReturnType<typeof connectTest>>;
beforeAll(async () => {
  env = await connectTest();
});
afterAll(async () => {
  await env?.close();
});

describe('task-queue priority on the bundled dev server', () => {
  it('runs priority-1 activities before priority-4 ones queued earlier', async () => {
    const probeQueue = uniqueId('priority-probe');
    const workflowId = uniqueId('priority-probe-wf');
    const workflowQueue = uniqueId(WORKFLOW_TASK_QUEUE);
    const workflowWorker = await Worker.create({ connection: env.native, namespace: env.namespace, taskQueue: workflowQueue, workflowBundle: env.workflowBundle, dataConverter: env.dataConverter });

    await workflowWorker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof priorityProbe>('priorityProbe', {
        taskQueue: workflowQueue,
        workflowId,
        args: [{ taskQueue: probeQueue, first: { count: 6, priorityKey: 4 }, second: { count: 3, priorityKey: 1 } }],
      });
      const pending = async (n: number) => (await handle.describe()).raw.pendingActivities?.length === n;
      // No activity worker polls probeQueue yet: the priority-4 batch waits in the queue.
      await eventually(() => pending(6), { what: '6 priority-4 activities scheduled' });
      await handle.signal(addSecondBatchSignal);
      await eventually(() => pending(9), { what: '3 priority-1 activities scheduled' });

      const order: string[] = [];
      const activityWorker = await Worker.create({
        connection: env.native,
        namespace: env.namespace,
        taskQueue: probeQueue,
        dataConverter: env.dataConverter,
        activities: {
          async probeTask(id: string) {
            order.push(id);
          },
        },
        maxConcurrentActivityTaskExecutions: 1,
      });
      await activityWorker.runUntil(handle.result());

      expect(order).toHaveLength(9);
      expect(order.slice(0, 3).every((id) => id.startsWith('p1-'))).toBe(true);
      expect(order.slice(3).every((id) => id.startsWith('p4-'))).toBe(true);
    });
  });
});
