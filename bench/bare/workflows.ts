// The floor a durable request cannot go below: one Temporal workflow that runs one no-op activity.
// No validation, routing, admission or ledger; bundled on its own so the platform barrel is untouched.
import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './activities';

const { noop } = proxyActivities<BareActivities>({ startToCloseTimeout: 10_000, retry: { maximumAttempts: 1 } });

export async function bareRequest(input: string): Promise<string> {
  return await noop(input);
}
