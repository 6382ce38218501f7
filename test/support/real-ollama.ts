import * as path from 'node:path';
import { acquireRealOllama, civicosCacheDir, findOllamaBinary, type RealOllama } from '../../deploy/ollama/real-ollama';

/**
 * Whether the tests use a real Ollama (the project's v0.24.0 build with smollm2:135m):
 * - `CIVICOS_REAL_OLLAMA=1` (set by .ci/run): required; builds it if needed (~10 min cold), and
 *   any failure fails the run.
 * - unset: used when a binary is already there (cache or PATH); never starts a build.
 * - `CIVICOS_REAL_OLLAMA=0`: never.
 */
export interface RealOllamaPlan {
  required: boolean;
  /** Why the real target is not even tried; undefined when it is. */
  skipReason: string | undefined;
}

export function realOllamaPlan(env: NodeJS.ProcessEnv = process.env): RealOllamaPlan {
  const flag = env.CIVICOS_REAL_OLLAMA;
  if (flag === '1') return { required: true, skipReason: undefined };
  if (flag === '0') return { required: false, skipReason: 'CIVICOS_REAL_OLLAMA=0' };
  if (findOllamaBinary(env)) return { required: false, skipReason: undefined };
  const cached = path.join(civicosCacheDir(env), 'bin', 'ollama');
  return {
    required: false,
    skipReason: `no Ollama binary on PATH or at ${cached}; build it once with \`bash deploy/ollama/install-ollama.sh\` (~10 min) or run with CIVICOS_REAL_OLLAMA=1`,
  };
}

export type RealOllamaTarget = { server: RealOllama; skipReason?: undefined } | { server?: undefined; skipReason: string };

/**
 * Starts the real Ollama for a test file (OLLAMA_NUM_PARALLEL=2, models in the cache) with the
 * tiny model imported. Unavailable → a skip reason, unless required, when it throws.
 */
export async function startRealOllamaTarget(plan: RealOllamaPlan = realOllamaPlan()): Promise<RealOllamaTarget> {
  if (plan.skipReason) return { skipReason: plan.skipReason };
  try {
    return { server: await acquireRealOllama({ allowBuild: plan.required, parallel: 2 }) };
  } catch (error) {
    const reason = `real Ollama could not be started: ${(error as Error).message}`;
    if (plan.required) throw new Error(`CIVICOS_REAL_OLLAMA=1 but ${reason}`, { cause: error });
    return { skipReason: reason };
  }
}
