/** Ollama simulator, request parsing: bodies, options, formats and messages, refused as Ollama refuses them. */
import type * as http from 'node:http';
import { type GenerationPath } from './types';
import { type ChatTemplate } from './models';
import { type ResponseFormat, isRecord, textTokenCount } from './replies';

export class BadRequest extends Error {}

export interface GenerationRequest {
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
export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

function parseDuration(text: string): number {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  const parts = [...text.matchAll(/(-?\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)];
  if (parts.length === 0) throw new BadRequest(`time: invalid duration "${text}"`);
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (units[unit ?? 's'] ?? 1000), 0);
}

export function parseKeepAlive(value: unknown): number | null | undefined {
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
export function optionsError(options: Record<string, unknown>): string | undefined {
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
export function promptTokenCount(template: ChatTemplate, messages: readonly ChatMessage[], raw: boolean): number {
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

export function parseGenerationRequest(path: GenerationPath, body: Record<string, unknown>): GenerationRequest {
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

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonBody(text: string): Record<string, unknown> {
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
