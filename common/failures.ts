import type { z } from 'zod';

/**
 * The failure vocabulary: every failure type name the project raises or reads, the one error base
 * for "these fields are wrong" and the one zod-issue formatter. Nothing else spells a failure type
 * as a string (test/structure.test.ts scans for it). Pure, so workflows import it.
 */

/** A queued inference request (workflows/infer.ts, the inference and provider activities). */
export const FAILURE = {
  invalidPayload: 'InvalidInferencePayload',
  modelNotFound: 'ModelNotFound',
  badRequest: 'ModelBadRequest',
  hostBusy: 'ModelHostBusy',
  hostError: 'ModelHostError',
  hostUnreachable: 'ModelHostUnreachable',
  streamInterrupted: 'StreamInterrupted',
  queueTtlExpired: 'QueueTtlExpired',
  allRoutesFailed: 'AllRoutesFailed',
  /**
   * A lane worker asked to resolve the request's route found that the chain's first route is not a
   * local Ollama route the lane may use: no call was made; the workflow walks the chain itself.
   */
  routeNotLocal: 'RouteNotLocal',
} as const;

/** A model call that stalled (no first token, or no next token, in time) on a host that still answers: retried. */
export const MODEL_TIMEOUT = 'ModelTimeout';

/** An attempt that ends as "wait", not as an error: the workflow waits and re-queues. */
export const WAIT_FAILURE = {
  /** An experimental call stopped so prod work could start on a full host. */
  preempted: 'PreemptedForProd',
  /** The model host refused or stopped answering; details: HostDownDetails. */
  hostDown: 'ModelHostDown',
} as const;

/** OpenAI-compatible providers (cloud, local pilot). */
export const PROVIDER_FAILURE = {
  budgetExceeded: 'CloudBudgetExceeded',
  keyMissing: 'CloudKeyMissing',
  auth: 'ProviderAuthRefused',
  spendUnreadable: 'CloudSpendUnreadable',
  misconfigured: 'ProviderMisconfigured',
} as const;

/** The completion callback of a request. */
export const CALLBACK_FAILURE = {
  refused: 'CallbackRefused',
  failed: 'CallbackFailed',
  /** A `signal:` callback to a workflow type or signal that is not a declared callback target. */
  targetRefused: 'CallbackTargetRefused',
} as const;

/** CivicOS workflow runs (workflows/civic-run.ts and their activities). */
export const CIVIC_FAILURE = {
  invalidInput: 'InvalidWorkflowInput',
  sourceMissing: 'SourceDataMissing',
  sourceInvalid: 'SourceDataInvalid',
  unknownRecord: 'UnknownSourceRecord',
  modelUnavailable: 'ModelUnavailable',
  deadlineExceeded: 'WorkflowDeadlineExceeded',
  outboundRefused: 'OutboundGuardRefused',
  /** An approval gate's action has nobody configured to decide it (config/approvers.ts, CIVICOS_APPROVERS). */
  approversMissing: 'ApproversNotConfigured',
} as const;

/** Encrypted payloads (platform/codec). */
export const CODEC_FAILURE = {
  /** A payload encrypted with a key id this process does not hold. */
  keyUnknown: 'PayloadKeyUnknown',
} as const;

/** Refusals at submit time, before anything is enqueued (client errors' names). */
export const ADMISSION_FAILURE = {
  queueFull: 'QueueFull',
  idempotencyConflict: 'IdempotencyConflict',
} as const;

/** The promotion gate (workflows/promotion-gate.ts, activities/promotion/). */
export const PROMOTION_FAILURE = {
  invalidRequest: 'InvalidPromotionRequest',
  /** The routing matrix changed while the gate ran: its promotion would overwrite someone else's. */
  matrixMoved: 'RoutingMatrixMoved',
  matrixRefused: 'RoutingMatrixRefused',
} as const;

/** How an attempt that raised nothing of ours ended, as the ledger records it. */
export const ATTEMPT_FAILURE = {
  timedOut: 'ActivityTimedOut',
  cancelled: 'Cancelled',
  workerLost: 'WorkerLost',
} as const;

/** The daily SLO report (activities/slo/). */
export const SLO_FAILURE = {
  invalidDate: 'InvalidSloDate',
} as const;

/** What a failure is called when nothing in its cause chain names it. */
export const UNKNOWN_FAILURE = 'Unknown';

export const NON_RETRYABLE_INFERENCE_FAILURES: string[] = [FAILURE.invalidPayload, FAILURE.modelNotFound, FAILURE.badRequest];

/** A provider call that can never succeed as sent: not retried. */
export const NON_RETRYABLE_PROVIDER_FAILURES: string[] = [
  ...NON_RETRYABLE_INFERENCE_FAILURES,
  PROVIDER_FAILURE.budgetExceeded,
  PROVIDER_FAILURE.spendUnreadable,
  PROVIDER_FAILURE.keyMissing,
  PROVIDER_FAILURE.auth,
  PROVIDER_FAILURE.misconfigured,
];

/** Every failure type name above. */
export const ALL_FAILURE_TYPES: readonly string[] = [
  ...Object.values(FAILURE),
  MODEL_TIMEOUT,
  ...Object.values(WAIT_FAILURE),
  ...Object.values(PROVIDER_FAILURE),
  ...Object.values(CALLBACK_FAILURE),
  ...Object.values(CIVIC_FAILURE),
  ...Object.values(ADMISSION_FAILURE),
  ...Object.values(PROMOTION_FAILURE),
  ...Object.values(ATTEMPT_FAILURE),
  ...Object.values(CODEC_FAILURE),
  ...Object.values(SLO_FAILURE),
  UNKNOWN_FAILURE,
];

/** A refusal listing each problem (`field: what is wrong`), one per line under a title. */
export class ProblemsError extends Error {
  constructor(
    title: string,
    readonly problems: string[],
  ) {
    super(`${title}:\n  - ${problems.join('\n  - ')}`);
  }
}

type IssuePath = readonly PropertyKey[];

export interface IssueFormat {
  /** What the value as a whole is called, for an issue without a path (`payload`, `matrix`). */
  root: string;
  /** Put before every problem, e.g. `schedule "daily"`. */
  label?: string;
  /** How a path reads; default `a.b.0` (or `root` when empty). */
  field?: (path: IssuePath) => string;
  /** Unknown keys: `list` → `a, b: unknown field`; `allowed` → one problem per key naming the allowed fields. Default: zod's message. */
  unknownKeys?: 'list' | { allowed: readonly string[] };
  /** The message when the whole value has the wrong type (e.g. `must be a JSON object`). */
  rootType?: string;
  /** `. Fix: …` after each problem. */
  fix?: (path: IssuePath) => string;
  /** At most this many problems. */
  max?: number;
}

/** Field-named problems from a zod error: `priority: "low" is not allowed in lane prod; allowed: urgent, high`. */
export function formatZodIssues(error: z.ZodError, format: IssueFormat): string[] {
  const field = format.field ?? ((path: IssuePath) => (path.length ? path.map(String).join('.') : format.root));
  const prefix = format.label ? `${format.label}: ` : '';
  const issues = format.max === undefined ? error.issues : error.issues.slice(0, format.max);
  return issues.map((issue) => {
    let text: string;
    const unknownKeys = format.unknownKeys;
    if (issue.code === 'unrecognized_keys' && unknownKeys === 'list') text = `${issue.keys.join(', ')}: unknown field`;
    else if (issue.code === 'unrecognized_keys' && typeof unknownKeys === 'object') {
      const allowed = unknownKeys.allowed.join(', ');
      text = issue.keys.map((key) => `${key}: unknown field; allowed fields: ${allowed}`).join('; ');
    } else {
      const message = format.rootType && issue.code === 'invalid_type' && issue.path.length === 0 ? format.rootType : issue.message;
      text = `${field(issue.path)}: ${message}`;
    }
    return `${prefix}${text}${format.fix ? `. Fix: ${format.fix(issue.path)}` : ''}`;
  });
}
