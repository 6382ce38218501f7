import { CALLBACK_SIGNALS } from './callback-targets';
import { LANE_PRIORITIES, LANES, PRIORITIES, type Lane, type Priority } from './lanes';
import { containsSecret } from './redact';

/**
 * The queue contract: the one payload every local-model call carries. Wire fields are spelled
 * exactly as the Workflow v2 standard spells them. Pure (no Node APIs, no schema library) so workflows
 * validate deterministically with the same code the client uses.
 */
export const MAX_TOKENS_LIMIT = 8192;
export const MAX_PROMPT_CHARS = 64_000;
/** Queue time-to-live of an experimental request that names none. */
export const DEFAULT_EXPERIMENTAL_TTL_SECONDS = 3600;

/**
 * Identifiers become search attributes, workflow IDs and ledger fields: one that looks like a
 * credential is refused (without echoing it), never stored.
 */
const SECRET_SHAPED = 'looks like a secret (a key or token format); use a plain name such as donor-digest, and keep credentials out of identifiers';

/** A check of a string: its problem, or undefined. */
type Check = (value: string) => string | undefined;

const notSecretShaped: Check = (value) => (containsSecret(value) ? SECRET_SHAPED : undefined);
const atLeast = (min: number, message: string): Check => (value) => (value.length < min ? message : undefined);
const atMost = (max: number, message = `must be at most ${max} characters`): Check => (value) => (value.length > max ? message : undefined);
const matching = (pattern: RegExp, message: string): Check => (value) => (pattern.test(value) ? undefined : message);

const identifier = (what: string): Check[] => [
  atLeast(1, `must not be empty (${what})`),
  atMost(128),
  matching(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'allowed: letters, digits and . _ : - (no spaces), starting with a letter or digit'),
  notSecretShaped,
];

export const MODEL_REQUIRED = 'is required (an alias such as local/qwen-14b, or a model such as qwen3:14b)';
const MODEL_CHECKS: Check[] = [
  atLeast(1, 'must not be empty'),
  atMost(200),
  matching(
    /^(?:(?:local|cloud|pilot)\/[a-z0-9][a-z0-9._-]*|[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9._-]+)?)$/,
    'allowed: a routing alias such as local/qwen-14b or a concrete model such as qwen3:14b (lower-case)',
  ),
];

/** Every problem of a model name, in order (none: valid). The reliability contract's model rule too. */
export function modelProblems(value: string): string[] {
  return MODEL_CHECKS.flatMap((check) => check(value) ?? []);
}

/**
 * `none`, `signal:<workflowId>/<signalName>` (a declared callback signal), or an http(s) webhook
 * URL without credentials. Where a webhook may point (no private addresses unless allow-listed) is
 * decided at delivery, after DNS resolution (activities/url-guard.ts).
 */
const callbackProblem: Check = (value) => {
  if (value === 'none') return undefined;
  const signal = /^signal:[^/\s]+\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  if (signal) {
    return CALLBACK_SIGNALS.includes(signal[1]!) ? undefined : `signal ${signal[1]} is not a declared callback signal; use one of: ${CALLBACK_SIGNALS.join(', ')} (common/callback-targets.ts)`;
  }
  const url = httpUrl(value);
  if (!url) return 'allowed: "none", "signal:<workflowId>/<signalName>" or an http(s):// webhook URL';
  // Never echo the URL: it carries the credentials.
  if (url.username || url.password) return 'must not carry credentials (user:password@host); give the receiver a URL without them';
  return undefined;
};

function httpUrl(value: string): URL | undefined {
  if (!/^https?:\/\/[^\s/]+/.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.host ? url : undefined;
  } catch {
    return undefined;
  }
}

export interface DirectorRequest {
  /** Must be a director listed in CIVICOS_DIRECTORS; checked where the cloud policy decides (workflows/infer.ts). */
  requested_by: string;
  reason: string;
}

export interface Promotion {
  approved_by: string;
  reason: string;
}

/** A valid payload, defaults filled: what the workflow, the routing and the ledger read. */
export interface InferencePayload {
  agent_id: string;
  calling_skill: string;
  model: string;
  priority: Priority;
  system_prompt: string;
  user_prompt: string;
  max_tokens: number;
  callback: string;
  lane: Lane;
  experiment_tag?: string;
  success_criteria?: string;
  task_class: string;
  idempotency_key?: string;
  temperature?: number;
  format: 'text' | 'json';
  ttl_seconds?: number;
  /** A director's explicit request for a cloud model (Workflow v2 cloud policy, condition c). */
  director_request?: DirectorRequest;
  promotion?: Promotion;
}

/** What a caller sends: `task_class` and `format` may be left out. */
export type InferencePayloadInput = Omit<InferencePayload, 'task_class' | 'format'> & { task_class?: string; format?: 'text' | 'json' };

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** The payload's fields, in the order their problems are reported. */
const PAYLOAD_FIELDS: ReadonlyArray<keyof InferencePayload> = [
  'agent_id', 'calling_skill', 'model', 'priority', 'system_prompt', 'user_prompt', 'max_tokens', 'callback', 'lane', 'experiment_tag',
  'success_criteria', 'task_class', 'idempotency_key', 'temperature', 'format', 'ttl_seconds', 'director_request', 'promotion',
];

const isObject = (input: unknown): input is Record<string, unknown> => typeof input === 'object' && input !== null && !Array.isArray(input);

/** How a field may be missing: `required` names the problem, `fallback` fills it; neither: optional. */
interface Presence {
  required?: string;
  fallback?: string;
}

const REQUIRED: Presence = { required: 'is required' };
const OPTIONAL: Presence = {};

/**
 * The problems of one object and the value it builds. A value of the wrong type (outside an enum, a
 * fraction where a whole number is due) is a *fatal* problem: the cross-field rules do not run
 * after one, since the lane or priority they read may be missing. Any other problem is reported and
 * the rules still run, so a caller learns every mistake at once.
 */
class Checked {
  readonly problems: Array<{ text: string; fatal: boolean }> = [];
  readonly value: Record<string, unknown> = {};

  constructor(
    private readonly input: Record<string, unknown>,
    private readonly prefix = '',
  ) {}

  get fatal(): boolean {
    return this.problems.some((problem) => problem.fatal);
  }

  report(field: string, message: string, fatal = false): void {
    this.problems.push({ text: `${this.prefix}${field}: ${message}`, fatal });
  }

  string(field: string, presence: Presence, typeError: string, checks: Check[], trim = false): void {
    const input = this.input[field];
    if (input === undefined) return this.missing(field, presence);
    if (typeof input !== 'string') return this.report(field, typeError, true);
    const value = trim ? input.trim() : input;
    for (const check of checks) {
      const problem = check(value);
      if (problem) this.report(field, problem);
    }
    this.value[field] = value;
  }

  /** A number from `min` to `max`, whole when `whole`. */
  number(field: string, presence: Presence, range: { min: number; max: number; whole: boolean }, typeError: string, rangeError = typeError): void {
    const input = this.input[field];
    if (input === undefined) return this.missing(field, presence);
    if (typeof input !== 'number' || !Number.isFinite(input)) return this.report(field, typeError, true);
    if (range.whole && !Number.isInteger(input)) return this.report(field, rangeError, true);
    if (range.whole && !Number.isSafeInteger(input)) this.report(field, rangeError);
    if (input < range.min) this.report(field, rangeError);
    if (input > range.max) this.report(field, rangeError);
    this.value[field] = input;
  }

  oneOf(field: string, presence: Presence, allowed: readonly string[]): void {
    const input = this.input[field];
    if (input === undefined) return this.missing(field, presence);
    if (!allowed.includes(input as string)) return this.report(field, `allowed: ${allowed.join(', ')}`, true);
    this.value[field] = input;
  }

  /** An optional nested object, its fields checked by `check` and reported as `<field>.<name>`. */
  object(field: string, typeError: string, check: (nested: Checked) => void): void {
    const input = this.input[field];
    if (input === undefined) return this.missing(field, OPTIONAL);
    if (!isObject(input)) return this.report(field, typeError, true);
    const nested = new Checked(input, `${this.prefix}${field}.`);
    check(nested);
    this.problems.push(...nested.problems);
    this.value[field] = nested.value;
  }

  /** Keys not in `fields`: one problem naming each with the allowed fields. */
  unknownKeys(fields: readonly string[]): void {
    const unknown: string[] = [];
    for (const key in this.input) if (!fields.includes(key)) unknown.push(key);
    if (unknown.length === 0) return;
    const allowed = fields.join(', ');
    this.problems.push({ text: unknown.map((key) => `${this.prefix}${key}: unknown field; allowed fields: ${allowed}`).join('; '), fatal: false });
  }

  /** A field missing or given as undefined: a fatal problem if required, else its fallback, else nothing (a key given as undefined stays). */
  private missing(field: string, presence: Presence): void {
    if (presence.required !== undefined) this.report(field, presence.required, true);
    else if (presence.fallback !== undefined) this.value[field] = presence.fallback;
    else if (field in this.input) this.value[field] = undefined;
  }
}

const MUST_BE_STRING = 'must be a string';
const TOKENS_RANGE = `must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`;
const TTL_RANGE = 'must be whole seconds from 1 to 86400';

/** The payload's own fields, in the order they are reported. */
function checkPayloadFields(p: Checked): void {
  p.string('agent_id', REQUIRED, 'must be a string (the calling agent)', identifier('the calling agent'));
  p.string('calling_skill', REQUIRED, 'must be a string (the skill making the call)', identifier('the skill making the call'));
  p.string('model', { required: MODEL_REQUIRED }, MUST_BE_STRING, MODEL_CHECKS);
  p.oneOf('priority', REQUIRED, PRIORITIES);
  p.string('system_prompt', { required: 'is required (may be "")' }, MUST_BE_STRING, [atMost(MAX_PROMPT_CHARS)]);
  p.string('user_prompt', REQUIRED, MUST_BE_STRING, [atMost(MAX_PROMPT_CHARS), (value) => (value.trim().length > 0 ? undefined : 'must not be empty')]);
  p.number('max_tokens', REQUIRED, { min: 1, max: MAX_TOKENS_LIMIT, whole: true }, TOKENS_RANGE);
  p.string('callback', { required: 'is required (use "none" for no callback)' }, MUST_BE_STRING, [callbackProblem]);
  p.oneOf('lane', { required: 'is required (lane tagging): prod or experimental' }, LANES);
  p.string('experiment_tag', OPTIONAL, MUST_BE_STRING, [matching(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'allowed: 2-64 lower-case letters, digits, . _ -'), notSecretShaped]);
  p.string('success_criteria', OPTIONAL, MUST_BE_STRING, [atLeast(1, 'must not be empty'), atMost(2000)], true);
  p.string('task_class', { fallback: 'general' }, MUST_BE_STRING, [matching(/^[a-z][a-z0-9_-]{0,63}$/, 'allowed: lower-case letters, digits, _ and -, e.g. summary or premium_synthesis')]);
  p.string('idempotency_key', OPTIONAL, MUST_BE_STRING, [matching(/^[A-Za-z0-9][A-Za-z0-9:._-]{3,199}$/, 'allowed: 4-200 characters of letters, digits and : . _ -'), notSecretShaped]);
  p.number('temperature', OPTIONAL, { min: 0, max: 2, whole: false }, 'must be a number from 0 to 2', 'must be from 0 to 2');
  p.oneOf('format', { fallback: 'text' }, ['text', 'json']);
  p.number('ttl_seconds', OPTIONAL, { min: 1, max: 86_400, whole: true }, TTL_RANGE);
  p.object('director_request', 'must be an object {requested_by, reason}', (d) => {
    d.string('requested_by', REQUIRED, MUST_BE_STRING, [
      atLeast(1, 'must name the director'),
      atMost(128),
      matching(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'must be a director identity such as dana or dana@civicos.example'),
      notSecretShaped,
    ], true);
    d.string('reason', REQUIRED, MUST_BE_STRING, [atLeast(1, 'must say why cloud is needed'), atMost(500)], true);
    d.unknownKeys(['requested_by', 'reason']);
  });
  p.object('promotion', 'must be an object {approved_by, reason}', (d) => {
    d.string('approved_by', REQUIRED, MUST_BE_STRING, [atLeast(1, 'must name who approved the promotion')], true);
    d.string('reason', REQUIRED, MUST_BE_STRING, [atLeast(1, 'must say why')], true);
    d.unknownKeys(['approved_by', 'reason']);
  });
  p.unknownKeys(PAYLOAD_FIELDS);
}

/** Rules across fields; they run only when every field has the right type. */
function checkPayloadRules(p: Checked, payload: InferencePayload): void {
  const allowed = LANE_PRIORITIES[payload.lane];
  if (!allowed.includes(payload.priority) && !(payload.lane === 'experimental' && payload.promotion)) {
    p.report(
      'priority',
      payload.lane === 'prod'
        ? `"${payload.priority}" is not allowed in lane prod; allowed: ${allowed.join(', ')}`
        : `"${payload.priority}" is not allowed in lane experimental without a promotion; allowed: ${allowed.join(', ')} (or add promotion {approved_by, reason})`,
    );
  }
  if (payload.lane === 'experimental') {
    if (!payload.experiment_tag) p.report('experiment_tag', 'is required in lane experimental');
    if (!payload.success_criteria) p.report('success_criteria', 'is required in lane experimental');
  }
  if (payload.lane === 'prod' && payload.ttl_seconds !== undefined) p.report('ttl_seconds', 'only applies to lane experimental (prod work never expires in the queue)');
  if (payload.lane === 'prod' && payload.promotion) p.report('promotion', 'only applies to lane experimental');
}

/**
 * Validates a payload against the queue contract: the value with its defaults filled (and the
 * fields it trims, trimmed), or every problem, each naming its field, such as
 * `priority: "low" is not allowed in lane prod; allowed: urgent, high`. Plain code, no schema
 * library: the workflow validates every request it runs, and a schema library the sandbox
 * evaluates again for every run cost each request more than the checks themselves (issue 18;
 * test/contract-differential.test.ts holds this to the zod schema it replaced).
 */
export function validateInferencePayload(input: unknown): ValidationResult<InferencePayload> {
  if (!isObject(input)) return { ok: false, problems: ['payload: must be a JSON object'] };
  const checked = new Checked(input);
  checkPayloadFields(checked);
  if (!checked.fatal) checkPayloadRules(checked, checked.value as unknown as InferencePayload);
  return checked.problems.length === 0 ? { ok: true, value: checked.value as unknown as InferencePayload } : { ok: false, problems: checked.problems.map((p) => p.text) };
}
