/** Ollama simulator, the simulator's public types and defaults. */
import { type EventEmitter } from 'node:events';

export interface SimulatorFaults {
  /** Fraction (0..1) of generation requests answered with `errorStatus`; drawn from a PRNG seeded by `seed`. */
  errorRate?: number;
  /** Status for `errorRate` failures (default 500). */
  errorStatus?: number;
  /** Take a slot, then never send a byte until the client disconnects. */
  hang?: boolean;
  /** Destroy the socket after this many tokens of a generation. */
  disconnectAfterTokens?: number;
  /** Models treated as not installed (absent from /api/tags, 404 on use). */
  missingModels?: string[];
  /** The next N generation requests fail with `failStatus` (default 503); counts down. */
  failNextRequests?: number;
  failStatus?: number;
}

export interface SimulatorOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0: a free port). */
  port?: number;
  /** Installed models (default: the platform's standard set). */
  models?: string[];
  /** Time to first token once a request holds a slot (default 20 ms). */
  ttftMs?: number;
  /** Output speed (default 500). `0` or `Infinity`: instant replies, no ttft either. */
  tokensPerSecond?: number;
  /** Concurrent generations, like OLLAMA_NUM_PARALLEL (default 2). */
  parallel?: number;
  /** Requests allowed to wait beyond the slots, like OLLAMA_MAX_QUEUE (default 512). */
  maxQueue?: number;
  /** Cap on the natural length of text replies when num_predict is unset (default 64). */
  defaultMaxTokens?: number;
  /** Seed of the fault PRNG (default 42). */
  seed?: number;
  /** Reported by /api/version (default 0.24.0). */
  version?: string;
  /** Keep each request's prompt text in its record (default false: records carry no prompts). */
  capturePrompts?: boolean;
  faults?: SimulatorFaults;
  /** Scripted replies per model (see `ScriptedModel`); other models keep the generated replies. */
  scripted?: Record<string, ScriptedModel>;
}

/**
 * A scripted model (tests of the promotion gate): its reply is `reply(promptText)` (the messages'
 * contents joined by newlines), split into word tokens and cut by num_predict like a generated
 * one; `tokensPerSecond` replaces the simulator's speed for this model.
 */
export interface ScriptedModel {
  reply(promptText: string): string;
  tokensPerSecond?: number;
}

export type RuntimeOptions = Omit<SimulatorOptions, 'host' | 'port'>;

export type GenerationOutcome = 'completed' | 'aborted' | 'error' | 'rejected_busy' | 'model_missing';
export type GenerationPath = '/api/chat' | '/api/generate';
export type DoneReason = 'stop' | 'length' | 'load' | 'unload';

export interface GenerationRecord {
  id: number;
  path: GenerationPath;
  model: string;
  stream: boolean;
  /** ms since epoch. */
  arrivedAt: number;
  /** When it got a slot; null if it never did. */
  startedAt: number | null;
  endedAt: number | null;
  outcome: GenerationOutcome | null;
  /** HTTP status sent (0 while undecided). */
  status: number;
  evalCount: number;
  promptEvalCount: number;
  doneReason: DoneReason | null;
  /** The prompt text as received; recorded only with `capturePrompts` (tests of the secrets policy). */
  prompt?: string;
}

export interface SimulatorStats {
  /** Requests seen per URL path. */
  requests: Record<string, number>;
  active: number;
  queued: number;
  maxActive: number;
  completed: number;
  /** The client closed the connection before the reply finished. */
  aborted: number;
  errors: number;
  rejectedBusy: number;
  modelMissing: number;
  badRequests: number;
}

export interface SimulatorEvents {
  request: [GenerationRecord];
  start: [GenerationRecord];
  end: [GenerationRecord];
}

export interface OllamaSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
  setOptions(partial: RuntimeOptions): void;
  stats(): SimulatorStats;
  /** Every generation request since start (or the last resetStats), in arrival order. */
  readonly records: readonly GenerationRecord[];
  events: EventEmitter<SimulatorEvents>;
  /** First ended record (past or future) that matches. */
  waitFor(predicate: (record: GenerationRecord) => boolean, timeoutMs?: number): Promise<GenerationRecord>;
  resetStats(): void;
}

export const DEFAULT_MODELS: readonly string[] = ['qwen3:14b', 'mistral-small3.2:24b', 'qwen2.5-coder:32b', 'qwen2.5:14b', 'smollm2:135m'];

export type ResolvedOptions = Required<Omit<SimulatorOptions, 'faults' | 'host' | 'port'>> & { faults: SimulatorFaults };

export const DEFAULTS: ResolvedOptions = {
  models: [...DEFAULT_MODELS],
  ttftMs: 20,
  tokensPerSecond: 500,
  parallel: 2,
  maxQueue: 512,
  defaultMaxTokens: 64,
  seed: 42,
  version: '0.24.0',
  capturePrompts: false,
  faults: {},
  scripted: {},
};

export const BUSY_MESSAGE = 'server busy, please try again.  maximum pending requests exceeded';
