import type { z } from 'zod';
import { zod } from './zod';
import { durationMs, durationSchema } from './duration';
import { formatZodIssues, ProblemsError } from './failures';
import { lazily } from './lazy';
import { keyField } from './reliability-contract';
import { contractFor, isWorkflowName, WORKFLOW_NAMES, type WorkflowName } from './workflow-contracts';

/** Schedules are data (`config/schedules.ts`); this module validates them (client/schedules.ts makes Temporal match). */
const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;

export const scheduleDefinitionSchema = lazily('schedule definition', () =>
  zod()
    .strictObject({
      id: zod().string({ error: 'is required' }).regex(/^[a-z][a-z0-9-]{2,62}$/, 'allowed: 3-63 lower-case letters, digits and -'),
      workflow: zod().string({ error: 'is required' }).refine(isWorkflowName, `must be a registered workflow: ${WORKFLOW_NAMES.join(', ')}`),
      /** Five fields: minute hour day-of-month month day-of-week (names such as MON-FRI allowed). */
      cron: zod().string({ error: 'is required' }).regex(/^\S+(?: \S+){4}$/, 'must be a five-field cron expression, e.g. "0 7 * * MON-FRI"'),
      timezone: zod().string({ error: 'is required' }).refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC'),
      overlap: zod().enum(OVERLAP_POLICIES, { error: `allowed: ${OVERLAP_POLICIES.join(', ')}` }),
      catchupWindow: durationSchema().refine((value) => durationMs(value) >= 60_000, 'must be at least 1m'),
      pauseOnFailure: zod().boolean({ error: 'is required (true for prod)' }),
      note: zod().string({ error: 'is required' }).trim().min(10, 'must say what the schedule is for'),
    })
    .superRefine((def, ctx) => {
      if (!isWorkflowName(def.workflow)) return;
      const contract = contractFor(def.workflow);
      if (keyField(contract) !== 'date') ctx.addIssue({ code: 'custom', path: ['workflow'], message: `${def.workflow} is keyed by ${keyField(contract)}, not a date: it cannot be scheduled` });
      if (contract.lane === 'prod' && !def.pauseOnFailure) ctx.addIssue({ code: 'custom', path: ['pauseOnFailure'], message: 'must be true for a prod workflow (a failing prod run stops and waits for an operator)' });
    }),
);

export type ScheduleDefinitionInput = z.input<ReturnType<typeof scheduleDefinitionSchema>>;
export type ScheduleDefinition = z.output<ReturnType<typeof scheduleDefinitionSchema>> & { workflow: WorkflowName };

export class ScheduleDefinitionError extends ProblemsError {
  override readonly name = 'ScheduleDefinitionError';
  constructor(problems: string[]) {
    super('invalid schedule definitions', problems);
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function validateSchedules(inputs: readonly unknown[]): ScheduleDefinition[] {
  const problems: string[] = [];
  const defs: ScheduleDefinition[] = [];
  inputs.forEach((input, index) => {
    const parsed = scheduleDefinitionSchema().safeParse(input);
    const label = `schedule "${(input as { id?: unknown })?.id ?? `#${index}`}"`;
    if (parsed.success) defs.push(parsed.data as ScheduleDefinition);
    else problems.push(...formatZodIssues(parsed.error, { root: 'definition', label }));
  });
  const ids = defs.map((d) => d.id);
  for (const id of ids.filter((id, i) => ids.indexOf(id) !== i)) problems.push(`schedule "${id}": id: defined twice`);
  if (problems.length > 0) throw new ScheduleDefinitionError(problems);
  return defs;
}
