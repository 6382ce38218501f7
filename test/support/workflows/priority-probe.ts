import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

export interface PriorityProbeActivities {
  probeTask(id: string): Promise<void>;
}

export interface PriorityProbeInput {
  taskQueue: string;
  /** Scheduled first, while no worker polls the queue. */
  first: { count: number; priorityKey: number };
  /** Scheduled after the `addSecondBatch` signal. */
  second: { count: number; priorityKey: number };
}

export const addSecondBatchSignal = defineSignal('addSecondBatch');

/** Diagnostic: proves the server dispatches activities by priority key (used by the test suite). */
export async function priorityProbe(input: PriorityProbeInput): Promise<void> {
  let addSecond = false;
  setHandler(addSecondBatchSignal, () => {
    addSecond = true;
  });
  const batch = (label: string, spec: { count: number; priorityKey: number }): Array<Promise<void>> => {
    const { probeTask } = proxyActivities<PriorityProbeActivities>({
      taskQueue: input.taskQueue,
      startToCloseTimeout: 30_000,
      retry: { maximumAttempts: 1 },
      priority: { priorityKey: spec.priorityKey },
    });
    return Array.from({ length: spec.count }, (_, i) => probeTask(`${label}-${i}`));
  };
  const firstBatch = batch(`p${input.first.priorityKey}`, input.first);
  await condition(() => addSecond);
  const secondBatch = batch(`p${input.second.priorityKey}`, input.second);
  await Promise.all([...firstBatch, ...secondBatch]);
}
