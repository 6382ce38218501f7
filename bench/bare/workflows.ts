// The floor a durable request cannot go below: one Temporal workflow that runs one no-op activity.
// No validation, routing, admission or ledger; bundled on its own so the platform barrel is untouched.
import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './activities';

const options = { startToCloseTimeout: 10_000, retry: { maximumAttempts: 1 } };

/** `activityQueue`: run the activity on another task queue (as the lanes do), else on the workflow's own (eager dispatch). */
export async function bareRequest(input: string, activityQueue?: string): Promise<string> {
  const { noop } = proxyActivities<BareActivities>(activityQueue ? { ...options, taskQueue: activityQueue } : options);
  return await noop(input);
}
