import { z } from 'zod';
import { CALLBACK_SIGNALS } from './callback-targets';
import { formatZodIssues } from './failures';
import { LANE_PRIORITIES, LANES, PRIORITIES } from './lanes';
import { lazily } from './lazy';
import { containsSecret } from './redact';

/**
 * The queue contract: the one payload every local-model call carries. Wire fields are spelled
 * exactly as the Workflow v2 standard spells them. Pure (no Node APIs) so workflows validate
 * deterministically with the same schema the client uses.
 */
export const MAX_TOKENS_LIMIT = 8192;
export const MAX_PROMPT_CHARS = 64_000;
/** Queue time-to-live of an experimental request that names none. */
export const DEFAULT_EXPERIMENTAL_TTL_SECONDS = 3600;

const identifier = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : `must be a string (${what})`) })
    .min(1, `must not be empty (${what})`)
    .max(128, 'must be at most 128 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'allowed: letters, digits and . _ : - (no spaces), starting with a letter or digit')
    .refine(notSecretShaped, SECRET_SHAPED);

/**
 * Identifiers become search attributes, workflow IDs and ledger fields: one that looks like a
 * credential is refused (without echoing it), never stored.
 */
const SECRET_SHAPED = 'looks like a secret (a key or token format); use a plain name such as donor-digest, and keep credentials out of identifiers';
function notSecretShaped(value: string): boolean {
  return !containsSecret(value);
}

/**
 * `none`, `signal:<workflowId>/<signalName>` (a declared callback signal), or an http(s) webhook
 * URL without credentials. Where a webhook may point (no private addresses unless allow-listed) is
 * decided at delivery, after DNS resolution (activities/url-guard.ts).
 */
export const callbackSchema = lazily('callback', () =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required (use "none" for no callback)' : 'must be a string') })
    .superRefine((value, ctx) => {
      const problem = callbackProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
);

function callbackProblem(value: string): string | undefined {
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
}

function httpUrl(value: string): URL | undefined {
  if (!/^https?:\/\/[^\s/]+/.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.host ? url : undefined;
  } catch {
    return undefined;
  }
}

export const modelSchema = lazily('model', () =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required (an alias such as local/qwen-14b, or a model such as qwen3:14b)' : 'must be a string') })
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .regex(
      /^(?:(?:local|cloud|pilot)\/[a-z0-9][a-z0-9._-]*|[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9._-]+)?)$/,
      'allowed: a routing alias such as local/qwen-14b or a concrete model such as qwen3:14b (lower-case)',
    ),
);

export const inferencePayloadSchema = lazily('inference payload', () =>
  z
    .strictObject({
      agent_id: identifier('the calling agent'),
      calling_skill: identifier('the skill making the call'),
      model: modelSchema(),
      priority: z.enum(PRIORITIES, { error: (issue) => (issue.input === undefined ? 'is required' : `allowed: ${PRIORITIES.join(', ')}`) }),
      system_prompt: z
        .string({ error: (issue) => (issue.input === undefined ? 'is required (may be "")' : 'must be a string') })
        .max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`),
      user_prompt: z
        .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
        .max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`)
        .refine((value) => value.trim().length > 0, 'must not be empty'),
      max_tokens: z
        .number({ error: (issue) => (issue.input === undefined ? 'is required' : `must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`) })
        .int(`must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`)
        .min(1, `must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`)
        .max(MAX_TOKENS_LIMIT, `must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`),
      callback: callbackSchema(),
      lane: z.enum(LANES, { error: (issue) => (issue.input === undefined ? 'is required (lane tagging): prod or experimental' : `allowed: ${LANES.join(', ')}`) }),
      experiment_tag: z
        .string({ error: 'must be a string' })
        .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'allowed: 2-64 lower-case letters, digits, . _ -')
        .refine(notSecretShaped, SECRET_SHAPED)
        .optional(),
      success_criteria: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters').optional(),
      task_class: z
        .string({ error: 'must be a string' })
        .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'allowed: lower-case letters, digits, _ and -, e.g. summary or premium_synthesis')
        .default('general'),
      idempotency_key: z
        .string({ error: 'must be a string' })
        .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{3,199}$/, 'allowed: 4-200 characters of letters, digits and : . _ -')
        .refine(notSecretShaped, SECRET_SHAPED)
        .optional(),
      temperature: z.number({ error: 'must be a number from 0 to 2' }).min(0, 'must be from 0 to 2').max(2, 'must be from 0 to 2').optional(),
      format: z.enum(['text', 'json'], { error: 'allowed: text, json' }).default('text'),
      ttl_seconds: z
        .number({ error: 'must be whole seconds from 1 to 86400' })
        .int('must be whole seconds from 1 to 86400')
        .min(1, 'must be whole seconds from 1 to 86400')
        .max(86_400, 'must be whole seconds from 1 to 86400')
        .optional(),
      /** A director's explicit request for a cloud model (Workflow v2 cloud policy, condition c). */
      director_request: z
        .strictObject({
          /** Must be a director listed in CIVICOS_DIRECTORS; checked where the cloud policy decides (workflows/infer.ts). */
          requested_by: z
            .string({ error: 'is required' })
            .trim()
            .min(1, 'must name the director')
            .max(128, 'must be at most 128 characters')
            .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'must be a director identity such as dana or dana@civicos.example')
            .refine(notSecretShaped, SECRET_SHAPED),
          reason: z.string({ error: 'is required' }).trim().min(1, 'must say why cloud is needed').max(500, 'must be at most 500 characters'),
        })
        .optional(),
      promotion: z
        .strictObject({
          approved_by: z.string({ error: 'is required' }).trim().min(1, 'must name who approved the promotion'),
          reason: z.string({ error: 'is required' }).trim().min(1, 'must say why'),
        })
        .optional(),
    })
    .superRefine((payload, ctx) => {
      const allowed = LANE_PRIORITIES[payload.lane];
      if (!allowed.includes(payload.priority) && !(payload.lane === 'experimental' && payload.promotion)) {
        ctx.addIssue({
          code: 'custom',
          path: ['priority'],
          message:
            payload.lane === 'prod'
              ? `"${payload.priority}" is not allowed in lane prod; allowed: ${allowed.join(', ')}`
              : `"${payload.priority}" is not allowed in lane experimental without a promotion; allowed: ${allowed.join(', ')} (or add promotion {approved_by, reason})`,
        });
      }
      if (payload.lane === 'experimental') {
        if (!payload.experiment_tag) ctx.addIssue({ code: 'custom', path: ['experiment_tag'], message: 'is required in lane experimental' });
        if (!payload.success_criteria) ctx.addIssue({ code: 'custom', path: ['success_criteria'], message: 'is required in lane experimental' });
      }
      if (payload.lane === 'prod' && payload.ttl_seconds !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['ttl_seconds'], message: 'only applies to lane experimental (prod work never expires in the queue)' });
      }
      if (payload.lane === 'prod' && payload.promotion) {
        ctx.addIssue({ code: 'custom', path: ['promotion'], message: 'only applies to lane experimental' });
      }
    }),
);

export type InferencePayloadInput = z.input<ReturnType<typeof inferencePayloadSchema>>;
export type InferencePayload = z.output<ReturnType<typeof inferencePayloadSchema>>;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Field-named problems such as `priority: "low" is not allowed in lane prod; allowed: urgent, high`. */
export function formatIssues(error: z.ZodError): string[] {
  return formatZodIssues(error, { root: 'payload', unknownKeys: { allowed: Object.keys(inferencePayloadSchema().shape) }, rootType: 'must be a JSON object' });
}

export function validateInferencePayload(input: unknown): ValidationResult<InferencePayload> {
  const parsed = inferencePayloadSchema().safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: formatIssues(parsed.error) };
}
