import type { BatteryTask, JsonObjectSchema } from './battery';

/** The deterministic checks of one answer (format, JSON shape, required facts, length). Pure. */
export interface CheckResult {
  /** Passed checks / all checks, 0..1. */
  score: number;
  /** Hard failures (format or JSON shape): the run does not count as completed. */
  hardFailures: string[];
  failed: string[];
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Problems of `value` against a battery's small JSON-object schema (required keys, their types, minItems). */
export function jsonShapeProblems(value: unknown, schema: JsonObjectSchema): string[] {
  if (typeOf(value) !== 'object') return [`expected a JSON object, got ${typeOf(value)}`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of schema.required) if (!(key in record)) problems.push(`missing key "${key}"`);
  for (const [key, rule] of Object.entries(schema.properties)) {
    if (!(key in record)) continue;
    const actual = typeOf(record[key]);
    const ok = rule.type === 'number' ? actual === 'number' || actual === 'integer' : actual === rule.type;
    if (!ok) problems.push(`"${key}" should be ${rule.type}, got ${actual}`);
    else if (rule.minItems !== undefined && Array.isArray(record[key]) && (record[key] as unknown[]).length < rule.minItems) problems.push(`"${key}" needs at least ${rule.minItems} items`);
  }
  return problems;
}

export function runChecks(task: BatteryTask, text: string): CheckResult {
  const results: Array<{ name: string; ok: boolean; hard: boolean }> = [];
  results.push({ name: 'non-empty answer', ok: text.trim().length > 0, hard: true });
  if (task.format === 'json' && task.checks.jsonSchema) {
    let problems: string[];
    try {
      problems = jsonShapeProblems(JSON.parse(text), task.checks.jsonSchema);
    } catch {
      problems = ['not valid JSON'];
    }
    results.push({ name: `JSON shape${problems.length ? ` (${problems.join('; ')})` : ''}`, ok: problems.length === 0, hard: true });
  }
  const lower = text.toLowerCase();
  for (const fact of task.checks.requiredFacts) results.push({ name: `fact "${fact}"`, ok: lower.includes(fact.toLowerCase()), hard: false });
  const words = wordCount(text);
  if (task.checks.minWords !== undefined) results.push({ name: `at least ${task.checks.minWords} words (${words})`, ok: words >= task.checks.minWords, hard: false });
  if (task.checks.maxWords !== undefined) results.push({ name: `at most ${task.checks.maxWords} words (${words})`, ok: words <= task.checks.maxWords, hard: false });
  const failed = results.filter((r) => !r.ok);
  return { score: (results.length - failed.length) / results.length, hardFailures: failed.filter((r) => r.hard).map((r) => r.name), failed: failed.map((r) => r.name) };
}
