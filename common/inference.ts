import type { InferencePayload } from './contract';
import type { Lane, Priority } from './lanes';

/** What a workflow gets back from `infer()`. */
export interface InferenceResult {
  text: string;
  /** The alias or model the request named. */
  requestedModel: string;
  /** The concrete model that served it. */
  model: string;
  provider: 'ollama';
  host: string;
  /** True when the host is the built-in Ollama simulator. */
  simulated: boolean;
  attempts: number;
  /** Activity scheduled → started, as Temporal saw it. */
  queueWaitMs: number;
  modelLatencyMs: number;
  promptTokens: number;
  outputTokens: number;
  tokensPerSecond: number;
  doneReason: string;
  lane: Lane;
  priority: Priority;
}

export interface RunInferenceInput {
  request: InferencePayload;
  /** ID of the workflow that asked, for the ledger. */
  workflowId: string;
}

/** Activity interface on the lane task queues; workflows import this type only. */
export interface InferenceActivities {
  runInference(input: RunInferenceInput): Promise<InferenceResult>;
}

/** Workflow-queue activity that records outcomes decided in workflow code (queue TTL expiry). */
export interface QueueRecordActivities {
  recordQueueExpiry(input: { request: InferencePayload; workflowId: string; waitedMs: number }): Promise<void>;
}

export interface CallbackActivities {
  deliverCallback(input: { callback: string; workflowId: string; result: InferenceResult }): Promise<{ delivered: boolean; detail: string }>;
}

/** Default alias table of the standard; the routing matrix (versioned) supersedes it. */
export const DEFAULT_ALIASES: Record<string, string> = {
  'local/qwen-14b': 'qwen3:14b',
  'local/mistral-small': 'mistral-small3.2:24b',
  'local/qwen-coder-32b': 'qwen2.5-coder:32b',
  'local/qwen2.5-14b': 'qwen2.5:14b',
};

/** Activity timeouts derived from max_tokens: a generous floor plus time per token on a slow host. */
export function inferenceTimeoutMs(maxTokens: number): number {
  return 60_000 + maxTokens * 250;
}
