import type { z } from 'zod';
import { zod } from './zod';
import { approverIdentity } from './approvers';
import { durationSchema } from './duration';
import { businessWorkflowId, keyField, type WorkflowContract } from './reliability-contract';
import { SA, SCHEDULED_RUN_JOB_TYPE, type SearchAttributeSetting } from './search-attributes';
import type { WorkflowName } from './workflow-contracts';
import { formatZodIssues } from './failures';
import { lazily } from './lazy';

/**
 * Inputs of the CivicOS workflows, shared by the client (validates before starting) and the
 * workflows (validate again: the `temporal` CLI skips the client). The business key of a run
 * is one input field (`date`, `campaignId`, `decisionId`), so its workflow ID follows from it.
 */
export const businessDate = lazily('business date', () =>
  zod()
    .string({ error: 'is required (YYYY-MM-DD)' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
    .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'must be a real calendar date'),
);

const sourceId = (what: string) => zod().string({ error: `is required (${what})` }).regex(/^[a-z0-9][a-z0-9-]{1,63}$/, `must be the ${what} (lower-case letters, digits, -)`);

/** Shortens this run's deadline (the contract's `timeouts.workflow`); never longer than it. */
const deadline = () => durationSchema().optional();

export const dateInputSchema = lazily('date input', () => zod().strictObject({ date: businessDate(), deadline: deadline() }));
export const commsDraftInputSchema = lazily('comms-draft input', () =>
  zod().strictObject({
    campaignId: sourceId('campaign id from comms-briefs'),
    deadline: deadline(),
    /** Shortens the approval window for this run; never longer than the contract's. */
    approvalTimeout: durationSchema().optional(),
    /** Who started the run (the client's identity, set by startCivicWorkflow): they cannot approve the draft. */
    requestedBy: approverIdentity().optional(),
  }),
);
export const decisionBriefInputSchema = lazily('decision-brief input', () => zod().strictObject({ decisionId: sourceId('decision id from decisions'), deadline: deadline() }));

/** Each workflow's input schema, built when that workflow's input is first validated. */
export const INPUT_SCHEMAS = {
  'donor-digest': dateInputSchema,
  'grant-deadline-watch': dateInputSchema,
  'comms-draft': commsDraftInputSchema,
  'ops-monitor': dateInputSchema,
  'decision-brief': decisionBriefInputSchema,
  'pilot-grant-summary': dateInputSchema,
} as const satisfies Record<WorkflowName, () => z.ZodType>;

export type DateInput = z.infer<ReturnType<typeof dateInputSchema>>;
export type CommsDraftInput = z.infer<ReturnType<typeof commsDraftInputSchema>>;
export type DecisionBriefInput = z.infer<ReturnType<typeof decisionBriefInputSchema>>;
export type WorkflowInput<N extends WorkflowName> = z.infer<ReturnType<(typeof INPUT_SCHEMAS)[N]>>;

export type InputValidation<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export function validateWorkflowInput<N extends WorkflowName>(workflow: N, input: unknown): InputValidation<WorkflowInput<N>> {
  const parsed = INPUT_SCHEMAS[workflow]().safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data as WorkflowInput<N> };
  return {
    ok: false,
    problems: formatZodIssues(parsed.error, { root: 'input', unknownKeys: 'list' }),
  };
}

/** `donor-digest:2026-11-24`, from the contract's key template and the input's key field. */
export function workflowIdFor(contract: WorkflowContract, input: Record<string, unknown>): string {
  const value = input[keyField(contract)];
  if (typeof value !== 'string' || value === '') throw new TypeError(`input has no ${keyField(contract)} for ${contract.idempotency.key}`);
  return businessWorkflowId(contract, value);
}

/** What every run of the workflow carries for the Web UI's filters; never prompt text. */
export function searchAttributesFor(contract: WorkflowContract, overrides: { jobType?: string; agentId?: string; model?: string } = {}): SearchAttributeSetting[] {
  return [
    { key: SA.Lane, value: contract.lane },
    { key: SA.CivicPriority, value: contract.priority },
    { key: SA.JobType, value: overrides.jobType ?? contract.workflow },
    { key: SA.AgentId, value: overrides.agentId ?? contract.agentId },
    { key: SA.CallingSkill, value: contract.callingSkill },
    { key: SA.Model, value: overrides.model ?? contract.model },
    ...(contract.experiment ? [{ key: SA.ExperimentTag, value: contract.experiment.tag }] : []),
  ];
}

/** What a `scheduledRun` (the schedules' launcher) carries: the contract's, as job `scheduled-run`. */
export function scheduledRunSearchAttributes(contract: WorkflowContract): SearchAttributeSetting[] {
  return searchAttributesFor(contract, { jobType: SCHEDULED_RUN_JOB_TYPE, agentId: 'civicos-scheduler' });
}
