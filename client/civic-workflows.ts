import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { durationMs } from '../common/duration';
import { admit, resolveAdmission, type Admission } from './admission';
import { PRIORITY_KEY, WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { EXECUTION_TIMEOUT_GRACE_MS } from '../common/reliability-contract';
import { contractFor, type WorkflowName } from '../common/workflow-contracts';
import { searchAttributesFor, validateWorkflowInput, workflowIdFor, type WorkflowInput } from '../common/workflow-inputs';
import { ProblemsError } from '../common/failures';

export class InvalidWorkflowInputError extends ProblemsError {
  override readonly name = 'InvalidWorkflowInputError';
  constructor(
    readonly workflow: string,
    problems: string[],
  ) {
    super(`invalid ${workflow} input`, problems);
  }
}

export interface CivicStart {
  workflowId: string;
  /** The run of this business key: just started, still running, or already closed (a rerun attaches to it). */
  handle: WorkflowHandle;
}

/**
 * Starts a CivicOS workflow under its business key, or attaches to the run that key already has:
 * the contract's reuse policy decides about closed runs (a completed day is never redone, a failed
 * one may be), its conflict policy about running ones. New work is admitted against its lane's cap
 * (`QueueFull` past it, alerted for prod). Search attributes are set at start so the
 * run is filterable in the Web UI from its first moment.
 */
export async function startCivicWorkflow<N extends WorkflowName>(
  client: Client,
  workflow: N,
  input: unknown,
  options: { taskQueue?: string; /** Overrides the contract's reuse policy for this start (a redo of a degraded run). */ reusePolicy?: 'ALLOW_DUPLICATE' } & Partial<Admission> = {},
): Promise<CivicStart> {
  const contract = contractFor(workflow);
  // The drafter of a gated run is the starting client's identity, recorded so they cannot approve it.
  const stamped = contract.approval && isRecord(input) && input.requestedBy === undefined ? { ...input, requestedBy: client.options.identity } : input;
  const validation = validateWorkflowInput(workflow, stamped);
  if (!validation.ok) throw new InvalidWorkflowInputError(workflow, validation.problems);
  const args: WorkflowInput<N> = validation.value;
  const workflowId = workflowIdFor(contract, args as Record<string, unknown>);
  // Runs share their lane's cap with inference requests; a rerun of an existing key attaches, never refused.
  const reservation = await admit(client, resolveAdmission(options), { lane: contract.lane, workflowId, subject: workflowId, agentId: 'civicos-run' });
  try {
    const handle = await client.workflow.start(contract.workflowType, {
      taskQueue: options.taskQueue ?? WORKFLOW_TASK_QUEUE,
      workflowId,
      args: [args],
      workflowIdReusePolicy: options.reusePolicy ?? contract.idempotency.reusePolicy,
      workflowIdConflictPolicy: contract.idempotency.conflictPolicy,
      // The run enforces its own deadline (and alerts); this is the server-side backstop.
      workflowExecutionTimeout: durationMs(contract.timeouts.workflow) + EXECUTION_TIMEOUT_GRACE_MS,
      typedSearchAttributes: searchAttributesFor(contract),
      // Workflow tasks (and, inherited, the run's activities) are ordered by the lane's priority key.
      priority: { priorityKey: PRIORITY_KEY[contract.priority] },
    });
    // Counted until a visibility read covers it (a start that attached to a running run included).
    reservation.settle(true);
    return { workflowId, handle };
  } catch (error) {
    // The key has a run: this start added no work to the lane (any other error: the next count read decides).
    reservation.settle(!(error instanceof WorkflowExecutionAlreadyStartedError));
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const handle = client.workflow.getHandle(workflowId);
    // conflictPolicy FAIL: a second start while the run is going is the caller's error.
    if (contract.idempotency.conflictPolicy === 'FAIL' && (await handle.describe()).status.name === 'RUNNING') throw error;
    // A closed run the reuse policy keeps (e.g. a completed day): attach to it, run nothing.
    return { workflowId, handle };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
