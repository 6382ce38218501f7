/**
 * Which workflows may receive an inference result by a `signal:<workflowId>/<signalName>`
 * callback: only workflow types that declare themselves callback targets here, and only with the
 * signal names they declare. A payload can otherwise signal any workflow with any name. Pure: the
 * contract checks the signal name at validation, the inference workflow checks the target's type
 * (read through an activity) before it signals.
 */
export const INFERENCE_DONE_SIGNAL = 'inferenceDone';

/** Workflow type → the signal names it accepts as callbacks. */
export const CALLBACK_TARGETS: Readonly<Record<string, readonly string[]>> = {
  inferenceCollector: [INFERENCE_DONE_SIGNAL],
};

export const CALLBACK_SIGNALS: readonly string[] = [...new Set(Object.values(CALLBACK_TARGETS).flat())];

/** A problem sentence, or undefined when `workflowType` accepts `signalName`. */
export function callbackTargetProblem(targetId: string, workflowType: string | undefined, signalName: string): string | undefined {
  if (workflowType === undefined) return `callback target ${targetId} does not exist (or cannot be described); start it before submitting`;
  const accepted = CALLBACK_TARGETS[workflowType];
  if (!accepted) return `callback target ${targetId} is a ${workflowType} workflow, which is not a callback target; callback targets: ${Object.keys(CALLBACK_TARGETS).join(', ')}`;
  if (!accepted.includes(signalName)) return `callback target ${targetId} (${workflowType}) does not accept signal ${signalName}; it accepts: ${accepted.join(', ')}`;
  return undefined;
}

/** What a callback target receives. */
export interface InferenceDoneSignal<Result = unknown> {
  workflowId: string;
  result: Result;
}
