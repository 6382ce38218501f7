import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { laneQueue, type Lane } from '../common/lanes';

/** Backlog of a lane's activity queue as the server reports it (stats are cached for a few seconds). */
export async function describeLaneStats(connection: Pick<NativeConnection, 'workflowService'>, namespace: string, lane: Lane): Promise<{ backlog: number; oldestWaitingMs: number }> {
  const response = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: laneQueue(lane) },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportStats: true,
  });
  const age = response.stats?.approximateBacklogAge;
  return {
    backlog: Number(response.stats?.approximateBacklogCount ?? 0),
    oldestWaitingMs: age ? Number(age.seconds ?? 0) * 1000 + (age.nanos ?? 0) / 1e6 : 0,
  };
}
