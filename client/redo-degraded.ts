import type { Client } from '@temporalio/client';
import type { WorkflowName } from '../common/workflow-contracts';
import type { Admission } from './admission';
import { startCivicWorkflow, type CivicStart } from './civic-workflows';

export interface RedoStart extends CivicStart {
  /** True when a completed, degraded run of the key was run again. */
  redone: boolean;
  /** The degraded run that was redone. */
  previousRunId?: string;
}

/** A run whose text came from the data-only template (no model answered): the CivicOS workflows' result `source`. */
export function isDegradedResult(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { source?: unknown }).source === 'template';
}

/**
 * `civicos run … --redo-degraded`: start (or attach to) the business key's run as usual; when that
 * run already completed with a degraded (template) output, run it again under the same workflow ID,
 * so its outputs are rewritten and `latest` points at the redone output. A run that is going, failed
 * (the reuse policy already reruns it) or completed with a model's output is left alone.
 */
export async function startOrRedoDegraded(client: Client, workflow: WorkflowName, input: unknown, admission: Partial<Admission> = {}): Promise<RedoStart> {
  const start = await startCivicWorkflow(client, workflow, input, admission);
  const description = await start.handle.describe();
  if (description.status.name !== 'COMPLETED' || !isDegradedResult(await start.handle.result())) return { ...start, redone: false };
  const again = await startCivicWorkflow(client, workflow, input, { ...admission, reusePolicy: 'ALLOW_DUPLICATE' });
  return { ...again, redone: true, previousRunId: description.runId };
}
