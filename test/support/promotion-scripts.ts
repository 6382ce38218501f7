import { BATTERY_V1 } from '../../config/battery/v1';
import { validateBattery, type BatteryTask } from '../../common/promotion/battery';
import type { ScriptedModel } from '../../deploy/dev/ollama-simulator';

/** Scripted models for the promotion-gate tests: answers built from each battery task's checks. */
const battery = (() => {
  const v = validateBattery(BATTERY_V1);
  if (!v.ok) throw new Error(v.problems.join('; '));
  return v.value;
})();

export const testBattery = battery;

function taskOf(prompt: string): BatteryTask | undefined {
  return battery.tasks.find((t) => prompt.includes(t.user_prompt));
}

function pad(words: string[], min: number, filler: string): string {
  const out = [...words];
  while (out.length < min) out.push(filler);
  return out.join(' ');
}

/** `strong`: every fact, right length and shape, marked for the scripted judge. `weak`: right shape, no facts. */
export function answer(task: BatteryTask, kind: 'strong' | 'weak'): string {
  const facts = kind === 'strong' ? task.checks.requiredFacts : [];
  const marker = kind === 'strong' ? 'STRONG' : 'weak';
  if (task.format === 'json' && task.checks.jsonSchema) {
    const value: Record<string, unknown> = {};
    for (const [key, rule] of Object.entries(task.checks.jsonSchema.properties)) {
      if (rule.type === 'string') value[key] = [...facts, marker].join(' ');
      else if (rule.type === 'array') value[key] = [...facts, marker, 'item'];
      else if (rule.type === 'boolean') value[key] = true;
      else value[key] = 1;
    }
    return JSON.stringify(value);
  }
  const words = `${marker} ${facts.join(' ')}`.split(/\s+/).filter(Boolean);
  return pad(words, task.checks.minWords ?? 5, kind === 'strong' ? 'detail' : 'filler');
}

/** A model answering battery tasks with `kind` (other prompts, e.g. the smoke test: `other`). */
export function scriptedModel(kind: 'strong' | 'weak', tokensPerSecond: number, options: { other?: string; failJson?: boolean } = {}): ScriptedModel {
  return {
    tokensPerSecond,
    reply(prompt) {
      const task = taskOf(prompt);
      if (!task) return options.other ?? 'I help CivicOS.';
      if (options.failJson && task.format === 'json') return '';
      return answer(task, kind);
    },
  };
}

/** The judge: 5 on every criterion for an answer marked STRONG, 2 otherwise, in the asked JSON shape. */
export const scriptedJudge: ScriptedModel = {
  tokensPerSecond: 0,
  reply(prompt) {
    const criteria = [...prompt.matchAll(/^- ([a-z_]+): /gm)].map((m) => m[1]!);
    const between = (label: string): string => prompt.split(`Answer ${label}:\n<<<\n`)[1]?.split('\n>>>')[0] ?? '';
    const score = (text: string): Record<string, number> => Object.fromEntries(criteria.map((c) => [c, text.includes('STRONG') ? 5 : 2]));
    // A verdict the gate must ignore: always the opposite of the scores.
    return JSON.stringify({ A: score(between('A')), B: score(between('B')), winner: between('A').includes('STRONG') ? 'B' : 'A' });
  },
};
