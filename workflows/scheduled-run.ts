import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, startChild, workflowInfo } from '@temporalio/workflow';
import { CIVIC_FAILURE } from '../common/failures';
import { durationMs } from '../common/duration';
import { PRIORITY_KEY } from '../common/lanes';
import { EXECUTION_TIMEOUT_GRACE_MS, keyField } from '../common/reliability-contract';
import { contractFor, isWorkflowName } from '../common/workflow-contracts';
import { scheduledRunSearchAttributes, searchAttributesFor, workflowIdFor } from '../common/workflow-inputs';
import { ensureSearchAttributes } from './search-attributes';

/** Set by the server on every workflow a schedule starts: the time the schedule fired for. */
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export interface ScheduledRunInput {
  workflow: string;
  /** IANA time zone the business date is counted in (the schedule's). */
  timezone: string;
}

export interface ScheduledRunResult {
  workflowId: string;
  date: string;
  /** `ran`: this firing ran it; `already-ran`: a run with that business key existed (manual run, earlier firing). */
  status: 'ran' | 'already-ran';
}

/** The calendar date of `at` in `timeZone`, as YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * What a schedule starts. Temporal names scheduled runs `<scheduleId>-<time>`, but a CivicOS run's
 * identity is its business key (`donor-digest:2026-11-24`), so this starts the workflow as a
 * child under that key and waits for it: a day already run (by hand, or by a catch-up firing)
 * is not run twice, and a failure fails this run too, which is what pause-on-failure watches.
 */
export async function scheduledRun(input: ScheduledRunInput): Promise<ScheduledRunResult> {
  if (!isWorkflowName(input.workflow)) {
    throw ApplicationFailure.create({ type: CIVIC_FAILURE.invalidInput, message: `scheduledRun: unknown workflow "${input.workflow}"`, nonRetryable: true });
  }
  const contract = contractFor(input.workflow);
  if (keyField(contract) !== 'date') {
    throw ApplicationFailure.create({ type: CIVIC_FAILURE.invalidInput, message: `scheduledRun: ${input.workflow} is keyed by ${keyField(contract)}, not a date`, nonRetryable: true });
  }
  // A launcher started by hand (`temporal workflow start --type scheduledRun`) is filterable too.
  ensureSearchAttributes(scheduledRunSearchAttributes(contract));
  const info = workflowInfo();
  const firedAt = info.typedSearchAttributes.get(scheduledStartTime) ?? info.startTime;
  const date = localDate(firedAt, input.timezone);
  const args = { date };
  const workflowId = workflowIdFor(contract, args);
  try {
    const child = await startChild(contract.workflowType, {
      workflowId,
      args: [args],
      workflowIdReusePolicy: contract.idempotency.reusePolicy,
      workflowExecutionTimeout: durationMs(contract.timeouts.workflow) + EXECUTION_TIMEOUT_GRACE_MS,
      typedSearchAttributes: searchAttributesFor(contract),
      // The business run outlives its launcher (it has its own deadline and alerts).
      parentClosePolicy: 'ABANDON',
      priority: { priorityKey: PRIORITY_KEY[contract.priority] },
    });
    await child.result();
    return { workflowId, date, status: 'ran' };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, date, status: 'already-ran' };
    throw error;
  }
}
