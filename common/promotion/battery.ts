import type { z } from 'zod';
import { zod } from '../zod';
import { MAX_PROMPT_CHARS } from '../contract';
import { lazily } from '../lazy';

/**
 * The promotion gate's battery: versioned data (config/battery/v1.ts, or a JSON file given to
 * `civicos promote --battery`). Each task carries its prompt, a lane-appropriate max_tokens,
 * deterministic checks and weighted rubric criteria for the judge. Pure (zod only).
 */
export const BATTERY_CATEGORIES = ['short-response', 'medium-synthesis', 'long-planning', 'workflow-specific'] as const;
export type BatteryCategory = (typeof BATTERY_CATEGORIES)[number];

const jsonTypeSchema = () => zod().enum(['string', 'number', 'integer', 'boolean', 'array', 'object']);

export const jsonObjectSchemaSchema = lazily('json object schema', () =>
  zod().strictObject({
    type: zod().literal('object'),
    required: zod().array(zod().string().min(1)).min(1, 'name at least one required key'),
    properties: zod().record(zod().string(), zod().strictObject({ type: jsonTypeSchema(), minItems: zod().number().int().min(0).optional() })),
  }),
);
export type JsonObjectSchema = z.output<ReturnType<typeof jsonObjectSchemaSchema>>;

export const rubricCriterionSchema = lazily('rubric criterion', () =>
  zod().strictObject({
    id: zod().string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case snake_case, e.g. accuracy'),
    weight: zod().number().positive('must be > 0'),
    /** What a 5 means; the judge scores each answer 1-5 on it. */
    description: zod().string().min(1).max(300),
  }),
);

export const batteryTaskSchema = lazily('battery task', () =>
  zod()
    .strictObject({
      id: zod().string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, 'lower-case letters, digits and -'),
      category: zod().enum(BATTERY_CATEGORIES),
      system_prompt: zod().string().max(MAX_PROMPT_CHARS),
      user_prompt: zod().string().min(1).max(MAX_PROMPT_CHARS),
      max_tokens: zod().number().int().min(16).max(2048),
      format: zod().enum(['text', 'json']).default('text'),
      checks: zod().strictObject({
        /** Case-insensitive substrings the answer must contain. */
        requiredFacts: zod().array(zod().string().min(1)).default([]),
        minWords: zod().number().int().min(0).optional(),
        maxWords: zod().number().int().min(1).optional(),
        /** Structured tasks: the answer must be a JSON object of this shape. */
        jsonSchema: jsonObjectSchemaSchema().optional(),
      }),
      rubric: zod().array(rubricCriterionSchema()).min(1, 'give the judge at least one criterion'),
    })
    .superRefine((task, ctx) => {
      if (task.format === 'json' && !task.checks.jsonSchema) ctx.addIssue({ code: 'custom', path: ['checks', 'jsonSchema'], message: 'is required for a json task' });
      const ids = task.rubric.map((r) => r.id);
      if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['rubric'], message: 'criterion ids must be unique' });
    }),
);

export const batterySchema = lazily('battery', () =>
  zod()
    .strictObject({
      id: zod().string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, 'lower-case letters, digits and -'),
      version: zod().number().int().min(1),
      description: zod().string().max(500).default(''),
      tasks: zod().array(batteryTaskSchema()).min(10, 'the standard asks for at least 10 tasks'),
    })
    .superRefine((battery, ctx) => {
      const ids = battery.tasks.map((t) => t.id);
      for (const [i, id] of ids.entries()) if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'id'], message: `"${id}" is used twice` });
      for (const category of BATTERY_CATEGORIES) {
        if (!battery.tasks.some((t) => t.category === category)) ctx.addIssue({ code: 'custom', path: ['tasks'], message: `no task of category ${category}; the standard asks for all four` });
      }
    }),
);

export type Battery = z.output<ReturnType<typeof batterySchema>>;
export type BatteryInput = z.input<ReturnType<typeof batterySchema>>;
export type BatteryTask = z.output<ReturnType<typeof batteryTaskSchema>>;

export function validateBattery(input: unknown): { ok: true; value: Battery } | { ok: false; problems: string[] } {
  const parsed = batterySchema().safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'battery'}: ${issue.message}`) };
}

/** The first `count` tasks taken round-robin over the four categories (a reduced battery still spans them). */
export function selectTasks(battery: Battery, count?: number): BatteryTask[] {
  if (count === undefined || count >= battery.tasks.length) return battery.tasks;
  const byCategory = BATTERY_CATEGORIES.map((c) => battery.tasks.filter((t) => t.category === c));
  const picked: BatteryTask[] = [];
  for (let round = 0; picked.length < count; round++) {
    for (const tasks of byCategory) if (tasks[round] && picked.length < count) picked.push(tasks[round]!);
  }
  const order = new Map(battery.tasks.map((t, i) => [t.id, i]));
  return picked.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}
