import { ApplicationFailure } from '@temporalio/common';
import type { InferencePayloadInput } from '../../common/contract';
import { npxCivicos } from './cli';
import { uniqueId } from './temporal';

/** A valid prod inference request; each test file names its own agent, skill and prompt through `overrides`. */
export function inferencePayload(overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput {
  return {
    agent_id: 'test-agent',
    calling_skill: 'test',
    model: 'local/qwen-14b',
    priority: 'high',
    lane: 'prod',
    system_prompt: '',
    user_prompt: `Summarise the week (${uniqueId('case')}).`,
    max_tokens: 32,
    callback: 'none',
    ...overrides,
  };
}

/**
 * The ApplicationFailure in an error's cause chain: the outermost (what the workflow raised), or
 * with `innermost` the deepest (what the activity raised).
 */
export function failureCause(error: unknown, which: 'outermost' | 'innermost' = 'outermost'): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if (!(cause instanceof ApplicationFailure)) continue;
    found = cause;
    if (which === 'outermost') break;
  }
  return found;
}

/** `npx civicos …` against a test server and data folder: exit code and everything printed. */
export async function civicosAgainst(target: { address: string; namespace: string; dataDir: string }, args: string[]): Promise<{ code: number; out: string }> {
  const run = await npxCivicos(args, { env: { TEMPORAL_ADDRESS: target.address, TEMPORAL_NAMESPACE: target.namespace, CIVICOS_DATA_DIR: target.dataDir }, timeoutMs: 300_000 });
  return { code: run.code ?? 1, out: `${run.stdout}${run.stderr}` };
}
