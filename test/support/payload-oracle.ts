import { z } from 'zod';
import { CALLBACK_SIGNALS } from '../../common/callback-targets';
import { MAX_PROMPT_CHARS, MAX_TOKENS_LIMIT, type ValidationResult } from '../../common/contract';
import { LANE_PRIORITIES, LANES, PRIORITIES } from '../../common/lanes';
import { containsSecret } from '../../common/redact';

/**
 * The queue contract's payload schema as zod expressed it until the workflow stopped loading zod
 * (issue 18): the oracle of test/contract-differential.test.ts, which checks that
 * common/contract.ts's validator accepts exactly what this accepts, with the same output and the
 * same problems, in the same order. Where the zod original spoke zod's defaults, this one says
 * what the validator says on purpose: a nested object of the wrong type ("must be an object …"),
 * a nested field of the wrong type ("must be a string", not "is required"), a nested unknown key
 * (named with its path and the nested fields, not the payload's).
 */
const SECRET_SHAPED = 'looks like a secret (a key or token format); use a plain name such as donor-digest, and keep credentials out of identifiers';
const notSecretShaped = (value: string): boolean => !containsSecret(value);
const required = (otherwise: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : otherwise);

const identifier = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : `must be a string (${what})`) })
    .min(1, `must not be empty (${what})`)
    .max(128, 'must be at most 128 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'allowed: letters, digits and . _ : - (no spaces), starting with a letter or digit')
    .refine(notSecretShaped, SECRET_SHAPED);

function callbackProblem(value: string): string | undefined {
  if (value === 'none') return undefined;
  const signal = /^signal:[^/\s]+\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  if (signal) {
    return CALLBACK_SIGNALS.includes(signal[1]!) ? undefined : `signal ${signal[1]} is not a declared callback signal; use one of: ${CALLBACK_SIGNALS.join(', ')} (common/callback-targets.ts)`;
  }
  let url: URL | undefined;
  if (/^https?:\/\/[^\s/]+/.test(value)) {
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
  }
  if (!url || !url.host) return 'allowed: "none", "signal:<workflowId>/<signalName>" or an http(s):// webhook URL';
  if (url.username || url.password) return 'must not carry credentials (user:password@host); give the receiver a URL without them';
  return undefined;
}

const schema = z
  .strictObject({
    agent_id: identifier('the calling agent'),
    calling_skill: identifier('the skill making the call'),
    model: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required (an alias such as local/qwen-14b, or a model such as qwen3:14b)' : 'must be a string') })
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .regex(
        /^(?:(?:local|cloud|pilot)\/[a-z0-9][a-z0-9._-]*|[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9._-]+)?)$/,
        'allowed: a routing alias such as local/qwen-14b or a concrete model such as qwen3:14b (lower-case)',
      ),
    priority: z.enum(PRIORITIES, { error: required(`allowed: ${PRIORITIES.join(', ')}`) }),
    system_prompt: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required (may be "")' : 'must be a string') })
      .max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`),
    user_prompt: z
      .string({ error: required('must be a string') })
      .max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`)
      .refine((value) => value.trim().length > 0, 'must not be empty'),
    max_tokens: z
      .number({ error: required(`must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`) })
      .int(`must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`)
      .min(1, `must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`)
      .max(MAX_TOKENS_LIMIT, `must be a whole number from 1 to ${MAX_TOKENS_LIMIT}`),
    callback: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required (use "none" for no callback)' : 'must be a string') })
      .superRefine((value, ctx) => {
        const problem = callbackProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
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
    director_request: z
      .strictObject(
        {
          requested_by: z
            .string({ error: required('must be a string') })
            .trim()
            .min(1, 'must name the director')
            .max(128, 'must be at most 128 characters')
            .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'must be a director identity such as dana or dana@civicos.example')
            .refine(notSecretShaped, SECRET_SHAPED),
          reason: z.string({ error: required('must be a string') }).trim().min(1, 'must say why cloud is needed').max(500, 'must be at most 500 characters'),
        },
        { error: 'must be an object {requested_by, reason}' },
      )
      .optional(),
    promotion: z
      .strictObject(
        {
          approved_by: z.string({ error: required('must be a string') }).trim().min(1, 'must name who approved the promotion'),
          reason: z.string({ error: required('must be a string') }).trim().min(1, 'must say why'),
        },
        { error: 'must be an object {approved_by, reason}' },
      )
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
  });

const NESTED_FIELDS: Record<string, string[]> = { director_request: ['requested_by', 'reason'], promotion: ['approved_by', 'reason'] };

/** The zod schema's verdict, its problems formatted as the contract formats them. */
export function oracleValidate(input: unknown): ValidationResult<unknown> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  // zod runs its length checks even on a value of the wrong type that has a length (an array's
  // "must not be empty"); the validator reports the type only, so those are dropped here.
  const wrongType = new Set(parsed.error.issues.filter((issue) => issue.code === 'invalid_type').map((issue) => issue.path.join('.')));
  const issues = parsed.error.issues.filter((issue) => issue.code === 'invalid_type' || !wrongType.has(issue.path.join('.')));
  return {
    ok: false,
    problems: issues.map((issue) => {
      const where = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        const allowed = (where ? NESTED_FIELDS[where]! : Object.keys(schema.shape)).join(', ');
        return issue.keys.map((key) => `${where ? `${where}.` : ''}${key}: unknown field; allowed fields: ${allowed}`).join('; ');
      }
      if (issue.code === 'invalid_type' && issue.path.length === 0) return 'payload: must be a JSON object';
      return `${where || 'payload'}: ${issue.message}`;
    }),
  };
}
