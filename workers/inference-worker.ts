import { type NativeConnection, Worker } from '@temporalio/worker';
import { createInferenceActivities, type Ledger, type ModelHostTarget } from '../activities';
import { LANES, laneQueue } from '../common/lanes';
import type { JsonLogger } from '../common/logger';
import { SlotBudget } from './slot-budget';

export interface InferenceWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  host: ModelHostTarget;
  ledger: Ledger;
  logger: JsonLogger;
  aliases?: Record<string, string>;
  reservedForProd?: number;
}

/**
 * The inference worker of one model host: one Worker per lane task queue, sharing one slot
 * budget equal to the host's parallel slots.
 */
export async function createInferenceWorkers(options: InferenceWorkerOptions): Promise<{ workers: Worker[]; budget: SlotBudget }> {
  const budget = new SlotBudget(options.host.slots, options.reservedForProd ?? options.host.reservedForProd);
  const activities = createInferenceActivities({ host: options.host, ledger: options.ledger, logger: options.logger, aliases: options.aliases });
  const fixed = { type: 'fixed-size', numSlots: 1 } as const;
  const workers = await Promise.all(
    LANES.map((lane) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: laneQueue(lane),
        identity: `civicos-inference/${options.host.name}/${lane}`,
        activities,
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
  options.logger.info('inference worker ready', { host: options.host.name, url: options.host.url, slots: options.host.slots, simulated: options.host.simulated });
  return { workers, budget };
}
