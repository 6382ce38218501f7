import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { INFERENCE_DONE_SIGNAL, type InferenceDoneSignal } from '../common/callback-targets';
import type { InferenceResult } from '../common/inference';

export const inferenceDoneSignal = defineSignal<[InferenceDoneSignal<InferenceResult>]>(INFERENCE_DONE_SIGNAL);
export const collectedQuery = defineQuery<Array<InferenceDoneSignal<InferenceResult>>>('collected');

/**
 * A declared callback target (common/callback-targets.ts): a script starts one, points several
 * requests at it with `callback: "signal:<its id>/inferenceDone"`, and reads the results from its
 * completion (or the `collected` query while it waits).
 */
export async function inferenceCollector(input: { expected: number }): Promise<Array<InferenceDoneSignal<InferenceResult>>> {
  const received: Array<InferenceDoneSignal<InferenceResult>> = [];
  setHandler(inferenceDoneSignal, (signal) => {
    received.push(signal);
  });
  setHandler(collectedQuery, () => received);
  await condition(() => received.length >= input.expected);
  return received;
}
