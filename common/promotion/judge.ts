import type { BatteryTask } from './battery';

/**
 * Pairwise judging with the task's rubric: the judge scores both answers 1-5 per criterion, in
 * JSON; the gate parses the scores and thresholds them in code. Anything else the judge says (a
 * "winner", a verdict) is ignored: judges contradict their own scores. Pure.
 */
export const JUDGE_SYSTEM_PROMPT =
  'You are a strict, impartial evaluator. Score each answer from 1 (poor) to 5 (excellent) on every criterion, judging only the answer text. Reply with JSON only, of the form {"A": {"<criterion>": <1-5>, ...}, "B": {"<criterion>": <1-5>, ...}}.';

export type JudgeOrder = 'incumbent-first' | 'candidate-first';

export function judgePrompt(task: BatteryTask, answerA: string, answerB: string): string {
  return [
    'Task given to both assistants:',
    task.user_prompt,
    '',
    'Criteria (score each 1-5):',
    ...task.rubric.map((c) => `- ${c.id}: ${c.description}`),
    '',
    'Answer A:',
    '<<<',
    answerA.trim() || '(no answer)',
    '>>>',
    '',
    'Answer B:',
    '<<<',
    answerB.trim() || '(no answer)',
    '>>>',
    '',
    `Reply with this JSON, each number replaced by your score: ${JSON.stringify({ A: Object.fromEntries(task.rubric.map((c) => [c.id, 3])), B: Object.fromEntries(task.rubric.map((c) => [c.id, 3])) })}`,
  ].join('\n');
}

export type Scores = Record<string, number>;

/** Per-criterion scores of A and B from the judge's reply, or the reason they cannot be used. */
export function parseJudgeScores(task: BatteryTask, reply: string): { ok: true; a: Scores; b: Scores } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply);
  } catch {
    return { ok: false, reason: `the judge did not reply with JSON: ${JSON.stringify(reply.slice(0, 80))}` };
  }
  const side = (key: 'A' | 'B'): Scores | string => {
    const raw = (parsed as Record<string, unknown> | null)?.[key] ?? (parsed as Record<string, unknown> | null)?.[key.toLowerCase()];
    if (typeof raw !== 'object' || raw === null) return `no scores for answer ${key}`;
    const scores: Scores = {};
    for (const criterion of task.rubric) {
      const value = (raw as Record<string, unknown>)[criterion.id];
      const score = typeof value === 'string' ? Number(value) : value;
      if (typeof score !== 'number' || !Number.isFinite(score) || score < 1 || score > 5) return `answer ${key}: "${criterion.id}" is not a score from 1 to 5`;
      scores[criterion.id] = score;
    }
    return scores;
  };
  const unusable = (why: string) => ({ ok: false as const, reason: `${why}; the judge replied ${JSON.stringify(reply.slice(0, 80))}` });
  const a = side('A');
  if (typeof a === 'string') return unusable(a);
  const b = side('B');
  if (typeof b === 'string') return unusable(b);
  return { ok: true, a, b };
}

/** Weighted rubric score of one answer, normalised to 0..1 (1 → 0, 5 → 1). */
export function rubricScore(task: BatteryTask, scores: Scores): number {
  const total = task.rubric.reduce((sum, c) => sum + c.weight, 0);
  return task.rubric.reduce((sum, c) => sum + c.weight * ((scores[c.id]! - 1) / 4), 0) / total;
}

/** The family of a model name (`qwen3:14b` → qwen, `mistral-small3.2:24b` → mistral, `gpt-4.1-mini` → gpt). */
export function modelFamily(model: string): string {
  const base = model.split(':')[0]!.split('/').pop()!;
  return /^[a-z]+/i.exec(base)?.[0]?.toLowerCase() ?? base;
}
