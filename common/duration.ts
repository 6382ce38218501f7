import type { z } from 'zod';
import { zod } from './zod';
import { lazily } from './lazy';

/**
 * Durations as operators write them in contracts, schedules and KB artifacts: a whole number and
 * one unit (`500ms`, `30s`, `5m`, `24h`, `7d`). Pure, so workflow code can use it.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

export const durationSchema = lazily('duration', () =>
  zod()
    .string({ error: 'must be a duration such as 30s, 5m or 24h' })
    .regex(DURATION, 'must be a duration: a whole number and one unit of ms, s, m, h, d (e.g. 30s, 5m, 24h)')
    .refine((value) => !isDuration(value) || durationMs(value) > 0, 'must be longer than 0'),
);

export type DurationText = z.infer<ReturnType<typeof durationSchema>>;

export function isDuration(text: string): boolean {
  return DURATION.test(text.trim());
}

/** Milliseconds of a duration; throws on anything `durationSchema` refuses. */
export function durationMs(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new RangeError(`not a duration: "${text}" (expected e.g. 30s, 5m, 24h)`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** The shortest exact text for a duration in ms: 90000 → `90s`, 3600000 → `1h`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}
