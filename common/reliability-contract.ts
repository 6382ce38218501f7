import type { z } from 'zod';
import { zod } from './zod';
import { MAX_TOKENS_LIMIT, MODEL_REQUIRED, modelProblems } from './contract';
import { durationMs as parseDurationMs, durationSchema, formatDuration, isDuration } from './duration';
import { inferenceTimeoutMs } from './inference';
import { LANE_PRIORITIES, LANES, PRIORITIES } from './lanes';
import { formatZodIssues, ProblemsError } from './failures';
import { lazily } from './lazy';

/**
 * The reliability contract of one CivicOS workflow (Workflow v2 §4): lane and priority,
 * idempotency, retry, timeouts, fallback, output location, KB artifact, approval. Contracts are
 * data (`workflow-contracts.ts`); workers validate all of them at start, workflows read theirs
 * to configure activities, and `civicos kb check` compares the KB artifacts against them.
 * Pure (no Node APIs) so workflow code can import it.
 */
const name = () => zod().string({ error: 'is required' }).regex(/^[a-z][a-z0-9-]{2,47}$/, 'allowed: 3-48 lower-case letters, digits and -, starting with a letter');
const identifier = () => zod().string({ error: 'is required' }).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'allowed: letters, digits and . _ : - (no spaces)');
/** A model name by the queue contract's rule (common/contract.ts). */
const model = () =>
  zod()
    .string({ error: (issue) => (issue.input === undefined ? MODEL_REQUIRED : 'must be a string') })
    .superRefine((value, ctx) => {
      for (const message of modelProblems(value)) ctx.addIssue({ code: 'custom', message });
    });
const prose = (what: string) => zod().string({ error: `is required (${what})` }).trim().min(10, `must say ${what} (at least 10 characters)`);

/** Input fields a business key may be built from. */
export const KEY_FIELDS = ['date', 'campaignId', 'decisionId'] as const;
export type KeyField = (typeof KEY_FIELDS)[number];

export const REUSE_POLICIES = ['REJECT_DUPLICATE', 'ALLOW_DUPLICATE_FAILED_ONLY'] as const;
export const CONFLICT_POLICIES = ['USE_EXISTING', 'FAIL'] as const;

export const workflowContractSchema = lazily('workflow contract', () =>
  zod()
    .strictObject({
      workflow: name(),
      /** The exported workflow function, e.g. `donorDigest`. */
      workflowType: zod().string({ error: 'is required' }).regex(/^[a-z][A-Za-z0-9]{2,63}$/, 'must be the exported workflow function name (camelCase)'),
      summary: prose('what the workflow does'),
      owner: zod().string({ error: 'is required' }).trim().min(2, 'must name the owning team or person'),
      lane: zod().enum(LANES, { error: `allowed: ${LANES.join(', ')}` }),
      priority: zod().enum(PRIORITIES, { error: `allowed: ${PRIORITIES.join(', ')}` }),
      agentId: identifier(),
      callingSkill: identifier(),
      taskClass: zod().string({ error: 'is required' }).regex(/^[a-z][a-z0-9_-]{0,63}$/, 'allowed: lower-case letters, digits, _ and -'),
      model: model(),
      maxTokens: zod().number({ error: 'is required' }).int('must be a whole number').min(1, 'must be at least 1').max(MAX_TOKENS_LIMIT, `must be at most ${MAX_TOKENS_LIMIT}`),
      idempotency: zod().strictObject({
        /** Workflow ID template: `<workflow>:{<field>}`, e.g. `donor-digest:{date}`. */
        key: zod().string({ error: 'is required' }).regex(new RegExp(`^[a-z][a-z0-9-]*:\\{(${KEY_FIELDS.join('|')})\\}$`), `must be <workflow>:{field} with field one of ${KEY_FIELDS.join(', ')}`),
        /** What a start with the ID of a *closed* run does. */
        reusePolicy: zod().enum(REUSE_POLICIES, { error: `allowed: ${REUSE_POLICIES.join(', ')}` }),
        /** What a start with the ID of a *running* run does. */
        conflictPolicy: zod().enum(CONFLICT_POLICIES, { error: `allowed: ${CONFLICT_POLICIES.join(', ')}` }),
      }),
      /** Retry policy of the workflow's own activities (data, outputs, messaging). */
      retry: zod().strictObject({
        maximumAttempts: zod().number({ error: 'is required (no infinite retries)' }).int('must be a whole number').min(1, 'must be at least 1').max(10, 'must be at most 10 (no unbounded retries)'),
        initialInterval: durationSchema(),
        backoffCoefficient: zod().number({ error: 'is required' }).min(1, 'must be at least 1').max(10, 'must be at most 10'),
        maximumInterval: durationSchema(),
      }),
      timeouts: zod().strictObject({
        /** Deadline of the whole run, enforced inside the workflow so that missing it alerts. */
        workflow: durationSchema(),
        /** Start-to-close of each of the workflow's own activity attempts. */
        activity: durationSchema(),
      }),
      fallback: zod().strictObject({
        /** Tried when the primary model fails after the queue contract's retries. */
        model: model().optional(),
        /** After every model failed: a data-only `template` output (degraded, alerted), or `fail` (alerted). */
        final: zod().enum(['template', 'fail'], { error: 'allowed: template, fail' }),
        description: prose('what happens when the model is unavailable'),
      }),
      output: zod().strictObject({
        /** Folder under `<data>/outputs/`; outputs land in `<dir>/<date>/<workflowId>.{md,json}`, pointer `<dir>/latest.json`. */
        dir: name(),
      }),
      /** KB write artifact (Workflow v2 §4); required for prod. */
      kbArtifact: zod().string().regex(/^kb\/[a-z0-9-]+\.md$/, 'must be kb/<workflow>.md').optional(),
      /** Human approval before an irreversible external action. */
      approval: zod()
        .strictObject({
          action: zod().string({ error: 'is required' }).regex(/^[a-z][a-z0-9-]+$/, 'e.g. send-comms, submit-grant'),
          timeout: durationSchema(),
        })
        .optional(),
      experiment: zod()
        .strictObject({
          tag: zod().string({ error: 'is required' }).regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'allowed: 2-64 lower-case letters, digits, . _ -'),
          successCriteria: prose('how the experiment is judged'),
        })
        .optional(),
    })
    .superRefine((contract, ctx) => {
      // Refinements can run on a contract whose fields already failed: compare durations defensively.
      const durationMs = (text: string): number => (isDuration(text) ? parseDurationMs(text) : Number.NaN);
      const issue = (path: Array<string | number>, message: string): void => ctx.addIssue({ code: 'custom', path, message });
      if (!LANE_PRIORITIES[contract.lane].includes(contract.priority)) {
        issue(['priority'], `"${contract.priority}" is not allowed in lane ${contract.lane}; allowed: ${LANE_PRIORITIES[contract.lane].join(', ')}`);
      }
      if (!contract.idempotency.key.startsWith(`${contract.workflow}:`)) issue(['idempotency', 'key'], `must start with "${contract.workflow}:"`);
      if (durationMs(contract.retry.maximumInterval) < durationMs(contract.retry.initialInterval)) {
        issue(['retry', 'maximumInterval'], 'must be at least retry.initialInterval');
      }
      if (durationMs(contract.timeouts.activity) >= durationMs(contract.timeouts.workflow)) issue(['timeouts', 'activity'], 'must be shorter than timeouts.workflow');
      if (contract.approval && durationMs(contract.approval.timeout) >= durationMs(contract.timeouts.workflow)) {
        issue(['approval', 'timeout'], 'must be shorter than timeouts.workflow (the run must outlive the wait)');
      }
      if (contract.fallback.model === contract.model) issue(['fallback', 'model'], 'must differ from model');
      if (contract.lane === 'prod') {
        if (!contract.kbArtifact) issue(['kbArtifact'], 'is required in lane prod (Workflow v2 §4)');
        else if (contract.kbArtifact !== `kb/${contract.workflow}.md`) issue(['kbArtifact'], `must be kb/${contract.workflow}.md`);
        if (!contract.fallback.model && contract.fallback.final === 'fail') issue(['fallback'], 'lane prod must have a fallback: a fallback model or a template output');
        if (contract.experiment) issue(['experiment'], 'only applies to lane experimental');
      } else {
        if (!contract.experiment) issue(['experiment'], 'is required in lane experimental (tag and success criteria)');
        if (contract.approval) issue(['approval'], 'experimental workflows never take irreversible external actions');
      }
    }),
);

export type WorkflowContractInput = z.input<ReturnType<typeof workflowContractSchema>>;
export type WorkflowContract = z.output<ReturnType<typeof workflowContractSchema>>;

/** A registered contract is invalid: names the workflow and each bad field. */
export class ContractError extends ProblemsError {
  override readonly name = 'ContractError';
  constructor(problems: string[]) {
    super('invalid workflow reliability contract', problems);
  }
}

function problemsOf(error: z.ZodError, label: string): string[] {
  return formatZodIssues(error, { root: 'contract', label, unknownKeys: 'list' });
}

export function parseContract(input: unknown): WorkflowContract {
  const parsed = workflowContractSchema().safeParse(input);
  if (parsed.success) return parsed.data;
  const label = typeof (input as { workflow?: unknown })?.workflow === 'string' ? `workflow "${(input as { workflow: string }).workflow}"` : 'workflow (unnamed)';
  throw new ContractError(problemsOf(parsed.error, label));
}

/** Validates every contract and that names, types and output folders are unique; throws ContractError listing every problem. */
export function assertValidContracts(inputs: readonly unknown[]): WorkflowContract[] {
  const problems: string[] = [];
  const contracts: WorkflowContract[] = [];
  for (const input of inputs) {
    try {
      contracts.push(parseContract(input));
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      problems.push(...error.problems);
    }
  }
  for (const field of ['workflow', 'workflowType'] as const) {
    const seen = new Set<string>();
    for (const contract of contracts) {
      if (seen.has(contract[field])) problems.push(`workflow "${contract.workflow}": ${field}: "${contract[field]}" is registered twice`);
      seen.add(contract[field]);
    }
  }
  const dirs = new Set<string>();
  for (const contract of contracts) {
    if (dirs.has(contract.output.dir)) problems.push(`workflow "${contract.workflow}": output.dir: "${contract.output.dir}" is used by another workflow`);
    dirs.add(contract.output.dir);
  }
  if (problems.length > 0) throw new ContractError(problems);
  return contracts;
}

/** The key field of a contract's business key: `donor-digest:{date}` → `date`. */
export function keyField(contract: Pick<WorkflowContract, 'idempotency'>): KeyField {
  return /\{(\w+)\}/.exec(contract.idempotency.key)![1] as KeyField;
}

/** The workflow ID of a business key: `donor-digest:2026-11-24`. */
export function businessWorkflowId(contract: Pick<WorkflowContract, 'idempotency'>, keyValue: string): string {
  return contract.idempotency.key.replace(/\{\w+\}/, keyValue);
}

/** Grace between the in-workflow deadline and the server-side execution timeout (the backstop). */
export const EXECUTION_TIMEOUT_GRACE_MS = 5 * 60_000;

/**
 * The facts a KB artifact must state, exactly as the code's contract has them. `kb check` compares
 * durations by value (`60s` equals `1m`) and everything else as text.
 */
export function contractFacts(contract: WorkflowContract): Record<string, string> {
  return {
    workflow: contract.workflow,
    lane: contract.lane,
    priority: contract.priority,
    'idempotency.key': contract.idempotency.key,
    'idempotency.reusePolicy': contract.idempotency.reusePolicy,
    'idempotency.conflictPolicy': contract.idempotency.conflictPolicy,
    'retry.maximumAttempts': String(contract.retry.maximumAttempts),
    'retry.initialInterval': contract.retry.initialInterval,
    'retry.backoffCoefficient': String(contract.retry.backoffCoefficient),
    'retry.maximumInterval': contract.retry.maximumInterval,
    'timeout.workflow': contract.timeouts.workflow,
    'timeout.activity': contract.timeouts.activity,
    'timeout.inference': formatDuration(inferenceTimeoutMs(contract.maxTokens)),
    'fallback.model': contract.fallback.model ?? 'none',
    'fallback.final': contract.fallback.final,
    'output.path': `outputs/${contract.output.dir}/<date>/<workflowId>.{md,json}`,
    'output.latest': `outputs/${contract.output.dir}/latest.json`,
    'approval.required': contract.approval ? 'yes' : 'no',
    ...(contract.approval ? { 'approval.action': contract.approval.action, 'approval.timeout': contract.approval.timeout } : {}),
  };
}
