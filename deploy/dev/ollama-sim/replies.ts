/** Ollama simulator, deterministic replies: seeded text, the JSON-schema faker, token counts and reply planning. */
import { createHash } from 'node:crypto';

export type Rng = () => number;
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** sfc32, seeded from a SHA-256 of the material: fast, good enough, and identical on every run. */
export function seededRng(material: string): Rng {
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

export function words(rng: Rng, count: number): string[] {
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

export function isRecord(value: unknown): value is Record<string, unknown> {
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

/** A scripted model's reply (ScriptedModel): its text in word tokens, cut by num_predict. */
export function planScriptedReply(text: string, numPredict: number | undefined): ReplyPlan {
  const tokens = text.match(/\s*\S+\s*?/g) ?? [];
  const cap = numPredict !== undefined && numPredict > 0 ? numPredict : Number.POSITIVE_INFINITY;
  const capped = tokens.slice(0, cap);
  return { tokens: capped, doneReason: tokens.length > cap ? 'length' : 'stop', evalCount: capped.length };
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
export function tokenIds(pieces: readonly string[]): number[] {
  return pieces.map((piece) => createHash('md5').update(piece).digest().readUInt32LE(0) % 151_936);
}
