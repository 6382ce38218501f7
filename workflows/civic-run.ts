import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { type CivicActivities, type WorkflowAlert, type WriteOutputResult } from '../common/civic-activities';
import { MAX_PROMPT_CHARS, type InferencePayloadInput } from '../common/contract';
import { durationMs } from '../common/duration';
import type { FallbackRecord } from '../common/inference';
import { redactSecrets, redactValue } from '../common/redact';
import type { WorkflowContract } from '../common/reliability-contract';
import { SA } from '../common/search-attributes';
import { contractFor, type WorkflowName } from '../common/workflow-contracts';
import { searchAttributesFor, validateWorkflowInput, type WorkflowInput } from '../common/workflow-inputs';
import { infer } from './infer';
import { describeFailure } from './describe-failure';
import { ensureSearchAttributes } from './search-attributes';
import { CIVIC_FAILURE, FAILURE } from '../common/failures';

/** What produced a workflow's text: the contract's model, its fallback model, or the data-only template. */
export interface ModelReply {
  text: string;
  source: 'model' | 'fallback-model' | 'template';
  requestedModel: string | null;
  model: string | null;
  simulated: boolean;
  outputTokens: number;
  doneReason: string | null;
  modelLatencyMs: number | null;
  /** Why earlier models were not used. */
  fallbackReasons: string[];
}

export interface GenerateRequest {
  system: string;
  user: string;
  format?: 'text' | 'json';
  /** The data-only text used when the contract's fallback ends in a template. */
  template: () => string;
}

/** One run of a CivicOS workflow: its contract, validated input, and the contract-configured steps. */
export interface CivicRun<N extends WorkflowName> {
  contract: WorkflowContract;
  input: WorkflowInput<N>;
  workflowId: string;
  /** The business date of the run: the input's `date`, else the run's start date (UTC). */
  date: string;
  loadSource: CivicActivities['loadSource'];
  sendMessage: CivicActivities['sendMessage'];
  approversFor: CivicActivities['approversFor'];
  /** Redacted prompts through `infer()`, then the contract's fallback path. */
  generate(request: GenerateRequest): Promise<ModelReply>;
  /** Writes the (redacted) outputs and moves the `latest` pointer; `workflow` and `workflowId` are added to the data. */
  writeOutput(markdown: string, data: Record<string, unknown>): Promise<WriteOutputResult>;
  alert(alert: Omit<WorkflowAlert, 'subject' | 'lane'>): Promise<void>;
}

const { raiseAlert } = proxyActivities<Pick<CivicActivities, 'raiseAlert'>>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * Runs a workflow body under its reliability contract: search attributes for the Web UI, input
 * validation, the contract's activity retry and timeouts, the run deadline (enforced here, so
 * missing it alerts), and an alert with the ID and reason when a prod run fails.
 */
export async function runCivicWorkflow<N extends WorkflowName, T>(name: N, rawInput: unknown, body: (run: CivicRun<N>) => Promise<T>): Promise<T> {
  const contract = contractFor(name);
  const info = workflowInfo();
  ensureSearchAttributes(searchAttributesFor(contract));
  let deadline = contract.timeouts.workflow;
  try {
    const input = parseInput(name, rawInput);
    // A run may be given a shorter deadline than its contract's, never a longer one.
    if (input.deadline && durationMs(input.deadline) < durationMs(deadline)) deadline = input.deadline;
    const run = createRun(contract, name, input, info.workflowId, info.startTime);
    return await CancellationScope.withTimeout(durationMs(deadline), () => body(run));
  } catch (error) {
    const failure = isCancellation(error) && !CancellationScope.current().consideredCancelled ? deadlineFailure(deadline) : error;
    const cancelledByOperator = isCancellation(failure);
    if (contract.lane === 'prod' && !cancelledByOperator) {
      const reason = describeFailure(failure);
      await CancellationScope.nonCancellable(() =>
        raiseAlert({
          kind: 'workflow_failed',
          severity: 'critical',
          lane: 'prod',
          subject: info.workflowId,
          message: `${contract.workflow} run ${info.workflowId} failed: ${reason.message}`,
          details: { workflow: contract.workflow, workflowType: info.workflowType, runId: info.runId, errorType: reason.type },
        }),
      );
    }
    throw failure;
  }
}

function parseInput<N extends WorkflowName>(name: N, rawInput: unknown): WorkflowInput<N> {
  const validation = validateWorkflowInput(name, rawInput);
  if (validation.ok) return validation.value;
  throw ApplicationFailure.create({
    type: CIVIC_FAILURE.invalidInput,
    message: `invalid ${name} input: ${validation.problems.join('; ')}`,
    nonRetryable: true,
    details: [validation.problems],
  });
}

function createRun<N extends WorkflowName>(contract: WorkflowContract, name: N, input: WorkflowInput<N>, workflowId: string, startTime: Date): CivicRun<N> {
  const activities = proxyActivities<CivicActivities>({
    startToCloseTimeout: contract.timeouts.activity,
    retry: { ...contract.retry, nonRetryableErrorTypes: Object.values(CIVIC_FAILURE) },
  });
  const date = 'date' in input && typeof input.date === 'string' ? input.date : startTime.toISOString().slice(0, 10);
  const alert: CivicRun<N>['alert'] = (a) => raiseAlert({ ...a, lane: contract.lane, subject: workflowId });
  return {
    contract,
    input,
    workflowId,
    date,
    loadSource: activities.loadSource,
    sendMessage: activities.sendMessage,
    approversFor: activities.approversFor,
    alert,
    generate: (request) => generate(contract, request, alert),
    writeOutput: (markdown, data) =>
      // Every output JSON starts with the workflow and its ID, so callers pass only their own fields.
      activities.writeOutput({ workflow: name, dir: contract.output.dir, workflowId, date, markdown: redactSecrets(markdown), data: redactValue({ workflow: contract.workflow, workflowId, ...data }) as Record<string, unknown> }),
  };
}

/**
 * The contract's model, then its fallback model, then (if the contract says so) the template.
 * `infer()` itself walks the routing matrix's chain for an alias; a model that chain already
 * tried is not asked again.
 */
async function generate(contract: WorkflowContract, request: GenerateRequest, alert: CivicRun<WorkflowName>['alert']): Promise<ModelReply> {
  const models = [contract.model, ...(contract.fallback.model ? [contract.fallback.model] : [])];
  const fallbackReasons: string[] = [];
  const tried = new Set<string>();
  for (const [index, model] of models.entries()) {
    if (tried.has(model)) continue;
    try {
      const result = await infer(inferencePayload(contract, model, request));
      ensureSearchAttributes([{ key: SA.Model, value: result.model }]);
      for (const left of result.fallbacks ?? []) fallbackReasons.push(`${left.from}: ${left.reason}: ${left.detail}`);
      const primary = index === 0 && (result.fallbacks ?? []).length === 0;
      return {
        text: result.text,
        source: primary ? 'model' : 'fallback-model',
        requestedModel: result.requestedModel,
        model: result.model,
        simulated: result.simulated,
        outputTokens: result.outputTokens,
        doneReason: result.doneReason,
        modelLatencyMs: result.modelLatencyMs,
        fallbackReasons,
      };
    } catch (error) {
      if (isCancellation(error) || !isModelFailure(error)) throw error;
      tried.add(model);
      for (const left of routesLeft(error)) tried.add(left.from);
      const reason = describeFailure(error);
      fallbackReasons.push(`${model}: ${reason.type}: ${reason.message}`);
      log.warn('model failed after the queue contract retries', { model, errorType: reason.type, next: models[index + 1] ?? contract.fallback.final });
    }
  }
  if (contract.fallback.final === 'fail') {
    throw ApplicationFailure.create({ type: CIVIC_FAILURE.modelUnavailable, message: `no model answered: ${fallbackReasons.join(' | ')}`, nonRetryable: true });
  }
  await alert({
    kind: 'workflow_degraded',
    severity: 'warning',
    message: `${contract.workflow}: no model answered; the data-only fallback output was written`,
    details: { reasons: fallbackReasons },
  });
  return { text: request.template(), source: 'template', requestedModel: null, model: null, simulated: false, outputTokens: 0, doneReason: null, modelLatencyMs: null, fallbackReasons };
}

/** The queue-contract payload: prompts redacted here, before they leave the workflow. */
function inferencePayload(contract: WorkflowContract, model: string, request: GenerateRequest): InferencePayloadInput {
  const user = redactSecrets(request.user);
  return {
    agent_id: contract.agentId,
    calling_skill: contract.callingSkill,
    model,
    priority: contract.priority,
    lane: contract.lane,
    system_prompt: redactSecrets(request.system),
    user_prompt: user.length > MAX_PROMPT_CHARS ? `${user.slice(0, MAX_PROMPT_CHARS - 40)}\n[… input truncated to fit the prompt limit]` : user,
    max_tokens: contract.maxTokens,
    callback: 'none',
    task_class: contract.taskClass,
    format: request.format ?? 'text',
    ...(contract.experiment ? { experiment_tag: contract.experiment.tag, success_criteria: contract.experiment.successCriteria } : {}),
  };
}

const MODEL_FAILURES: ReadonlyArray<string | null | undefined> = [FAILURE.queueTtlExpired, FAILURE.allRoutesFailed];

/** A model (or its queue) failed, as opposed to a bug or bad input: the fallback path applies. */
function isModelFailure(error: unknown): boolean {
  return error instanceof ActivityFailure || (error instanceof ApplicationFailure && MODEL_FAILURES.includes(error.type));
}

/** The routes `infer()` tried before giving up (details of AllRoutesFailed). */
function routesLeft(error: unknown): FallbackRecord[] {
  if (!(error instanceof ApplicationFailure) || error.type !== FAILURE.allRoutesFailed) return [];
  const [records] = (error.details ?? []) as [unknown];
  return Array.isArray(records) ? (records as FallbackRecord[]).filter((r) => typeof r?.from === 'string') : [];
}

function deadlineFailure(deadline: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: CIVIC_FAILURE.deadlineExceeded,
    message: `run exceeded its deadline of ${deadline} (timeouts.workflow, or the run's shorter deadline)`,
    nonRetryable: true,
  });
}
