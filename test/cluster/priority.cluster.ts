import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE } from '../../common/lanes';
import type { priorityProbe } from '../support/workflows';
import { addSecondBatchSignal } from '../support/workflows/priority-probe';
import { connectTest, eventually, uniqueId } from '../support/temporal';

/**
 * test/priority.test.ts on the cluster, with one difference: on a cluster an activity that
 * history has scheduled reaches matching a moment later (history's transfer queue, over the
 * network), so the test waits until matching's backlog holds all 9 tasks — not only until history
 * lists them as pending — before the worker starts polling. Priority orders what is in the queue.
 */
let env: Awaited<ReturnType<typeof connectTest>>;
beforeAll(async () => {
  env = await connectTest();
});
afterAll(async () => {
  await env?.close();
});

async function backlog(taskQueue: string): Promise<number> {
  const response = await env.client.connection.workflowService.describeTaskQueue({
    namespace: env.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportStats: true,
  });
  return Number(response.stats?.approximateBacklogCount ?? 0);
}

describe('task-queue priority on the cluster (one partition per task queue)', () => {
  it('runs priority-1 activities before priority-4 ones queued earlier', async () => {
    const probeQueue = uniqueId('priority-probe');
    const workflowQueue = uniqueId(WORKFLOW_TASK_QUEUE);
    const workflowWorker = await Worker.create({ connection: env.native, namespace: env.namespace, taskQueue: workflowQueue, workflowBundle: env.workflowBundle, dataConverter: env.dataConverter });
    await workflowWorker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof priorityProbe>('priorityProbe', {
        taskQueue: workflowQueue,
        workflowId: uniqueId('priority-probe-wf'),
        args: [{ taskQueue: probeQueue, first: { count: 6, priorityKey: 4 }, second: { count: 3, priorityKey: 1 } }],
      });
      await eventually(async () => (await backlog(probeQueue)) === 6, { what: '6 priority-4 activities in matching', timeoutMs: 30_000, intervalMs: 200 });
      await handle.signal(addSecondBatchSignal);
      await eventually(async () => (await backlog(probeQueue)) === 9, { what: 'all 9 activities in matching', timeoutMs: 30_000, intervalMs: 200 });

      const order: string[] = [];
      const activityWorker = await Worker.create({
        connection: env.native,
        namespace: env.namespace,
        dataConverter: env.dataConverter,
        taskQueue: probeQueue,
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
    });
  });
});
