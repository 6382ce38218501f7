import type { Client } from '@temporalio/client';
import type { InferenceResult } from '../common/inference';
import { qualityGateFailure } from '../common/quality-gate';
import { submitInference, type SubmitOptions } from './submit-inference';

export interface SmokeReport {
  ok: boolean;
  workflowId: string;
  detail: string;
  result?: InferenceResult;
}

/** The runbook's smoke test: one prod inference on `local/qwen-14b`, end to end through the workers. */
export async function runSmokeTest(client: Client, options: { timeoutMs?: number; now?: Date } & SubmitOptions = {}): Promise<SmokeReport> {
  const stamp = (options.now ?? new Date()).toISOString().replace(/[^0-9]/g, '').slice(0, 17);
  const submission = await submitInference(client, {
    agent_id: 'runbook',
    calling_skill: 'smoke-test',
    model: 'local/qwen-14b',
    priority: 'high',
    lane: 'prod',
    system_prompt: 'Answer in one short sentence.',
    user_prompt: 'Confirm the local generalist route is serving: say which organisation you help.',
    max_tokens: 48,
    callback: 'none',
    idempotency_key: `smoke-${stamp}`,
  }, { policy: options.policy, alerts: options.alerts });
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      submission.handle.result(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${(options.timeoutMs ?? 120_000) / 1000}s: are the workers running?`)), options.timeoutMs ?? 120_000);
      }),
    ]);
    const gate = qualityGateFailure({ format: 'text' }, result);
    if (gate) return { ok: false, workflowId: submission.workflowId, detail: `quality gate: ${gate}`, result };
    const via = result.fallbacks?.length ? ` via fallback (${result.fallbacks.map((f) => `${f.from}: ${f.reason}`).join(', ')})` : '';
    return {
      ok: result.route === 'local/qwen-14b',
      workflowId: submission.workflowId,
      detail: `route ${result.route}${via}, model ${result.model} on ${result.host}${result.simulated ? ' (simulated)' : ''}, matrix v${result.matrixVersion}, ${result.outputTokens} tokens in ${result.modelLatencyMs} ms`,
      result,
    };
  } catch (error) {
    return { ok: false, workflowId: submission.workflowId, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
