import type { InferencePayload } from './contract';
import type { Lane, Priority } from './lanes';
import type { RoutingMatrix } from './routing-matrix';

/** What a workflow gets back from `infer()`. */
export interface InferenceResult {
  text: string;
  /** The alias or model the request named. */
  requestedModel: string;
  /** The concrete model that served it. */
  model: string;
  /** `ollama` (lane inference workers) or `openai-compatible` (cloud, or the local pilot server). */
  provider: 'ollama' | 'openai-compatible';
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
  /** Routing matrix version that served the request (set by infer()). */
  matrixVersion?: number;
  /** The alias of the chain that answered. */
  route?: string;
  /** Every route that was tried and left, with its typed reason. */
  fallbacks?: FallbackRecord[];
  /** Cost of a cloud call, in USD. */
  costUsd?: number;
}

export type FallbackReason = 'timeout' | 'unavailable' | 'host_down' | 'quality_gate' | 'model_missing' | 'lane_forbidden' | 'policy_refused' | 'budget_exceeded' | 'error';

/**
 * Inference outcomes that mean "wait", not "failed": the activity ends with one of these
 * (non-retryable, so no retry attempt is spent) and infer() schedules the call again.
 */
export interface HostDownDetails {
  host: string;
  /** ISO time the worker first saw the host down. */
  since: string;
  /** How long a prod request waits for the host before falling back (the worker's configuration). */
  prodWaitMs: number;
}

export interface FallbackRecord {
  from: string;
  to: string | null;
  reason: FallbackReason;
  detail: string;
}

/** infer()'s explicit route (the promotion gate's incumbent, candidate and judge): exactly this provider and model, no fallback. */
export interface RouteOverride {
  provider: string;
  model: string;
  /** The alias this route is the target of (so a host's alias profile applies); default `provider:model`. */
  alias?: string;
}

/** A concrete route chosen by infer() from the routing matrix. */
export interface RouteTarget {
  alias: string;
  provider: string;
  model: string;
}

export interface ProviderCallInput {
  request: InferencePayload;
  workflowId: string;
  route: RouteTarget;
  /** Why a cloud route was allowed (logged with the task class). */
  cloudReason?: string;
}

/** Workflow-queue activities of the routing layer. */
export interface RoutingActivities {
  /** The matrix in force, and the directors (CIVICOS_DIRECTORS) whose director_request may use cloud. */
  loadRoutingMatrix(): Promise<{ version: number; matrix: RoutingMatrix; directors: string[] }>;
  recordRoutingEvent(event: RoutingLedgerEvent): Promise<void>;
}

/** Activity on the provider task queues (`providerQueue(provider, lane)`): one OpenAI-compatible call. */
export interface ProviderActivities {
  runProviderInference(input: ProviderCallInput): Promise<InferenceResult>;
}

export interface RoutingLedgerEvent {
  workflowId: string;
  kind: 'fallback' | 'cloud_allowed' | 'cloud_refused';
  lane: Lane;
  taskClass: string;
  agentId: string;
  matrixVersion: number;
  from: string;
  to: string | null;
  reason: string;
  detail: string;
}

export interface RunInferenceInput {
  request: InferencePayload;
  /** ID of the workflow that asked, for the ledger. */
  workflowId: string;
  /**
   * The route chosen from the routing matrix. Without it the lane worker resolves the request's
   * model against the matrix in force and serves the chain's first route when it is a local Ollama
   * route the lane may use (the result names the matrix version and route); otherwise it ends with
   * `RouteNotLocal` without calling any model.
   */
  route?: RouteTarget;
}

/** Activity interface on the lane task queues; workflows import this type only. */
export interface InferenceActivities {
  runInference(input: RunInferenceInput): Promise<InferenceResult>;
}

/** Workflow-queue activity that records outcomes decided in workflow code (queue TTL expiry). */
export interface QueueRecordActivities {
  recordQueueExpiry(input: { request: InferencePayload; workflowId: string; waitedMs: number; route?: RouteTarget }): Promise<void>;
}

export interface CallbackActivities {
  deliverCallback(input: { callback: string; workflowId: string; result: InferenceResult }): Promise<{ delivered: boolean; detail: string }>;
  /** The type of the workflow a `signal:` callback names (undefined when there is none), checked against common/callback-targets.ts. */
  describeCallbackTarget(input: { workflowId: string }): Promise<{ workflowType: string | undefined; running: boolean }>;
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
