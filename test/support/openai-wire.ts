/**
 * The OpenAI chat-completions wire format, as far as OpenAI's documentation and Ollama's /v1
 * agree: read with a hand-rolled server-sent-events reader (what the official clients do), and
 * one set of assertions run against every OpenAI-compatible target (our OpenAI simulator, the
 * Ollama simulator's /v1 and a real Ollama's /v1).
 */
import { expect } from 'vitest';

export type Json = Record<string, unknown>;

export interface ChatCall {
  status: number;
  headers: Headers;
  /** The parsed body (non-streaming calls and errors). */
  body: Json;
}

export interface StreamCall {
  status: number;
  headers: Headers;
  /** Each event's `data:` payload, in order (the last one is `[DONE]` on a complete stream). */
  data: string[];
  /** The JSON chunks (every payload but `[DONE]`). */
  chunks: Json[];
}

export async function postChat(baseUrl: string, body: Json, headers: Record<string, string> = {}): Promise<ChatCall> {
  const response = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

/**
 * Server-sent events as the spec frames them: events end at a blank line; an event's `data:`
 * lines join with newlines; `:` lines are comments. A stream cut off mid-event drops that event.
 */
export function parseSse(text: string): string[] {
  const events: string[] = [];
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length > 0) events.push(data.join('\n'));
      data = [];
    } else if (line.startsWith('data:')) {
      data.push(line.slice(5).replace(/^ /, ''));
    }
  }
  return events;
}

export async function streamChat(baseUrl: string, body: Json, headers: Record<string, string> = {}): Promise<StreamCall> {
  const response = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ ...body, stream: true }) });
  const data = parseSse(await response.text());
  return { status: response.status, headers: response.headers, data, chunks: data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Json) };
}

type Choice = { index: number; delta: Json; finish_reason: string | null };
const choicesOf = (chunk: Json): Choice[] => chunk.choices as Choice[];
const ask = (content: string): Json[] => [{ role: 'user', content }];

/** The error object both document: `{error: {message, type, param, code}}`. */
export function expectErrorBody(body: Json): Json {
  expect(Object.keys(body)).toEqual(['error']);
  const error = body.error as Json;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.message).toBe('string');
  expect(typeof error.type).toBe('string');
  return error;
}

/** Runs the shared wire assertions against `baseUrl` (ending in /v1) with `model`. */
export async function expectOpenAIWire(baseUrl: string, model: string, headers: Record<string, string> = {}): Promise<void> {
  const greedy = { temperature: 0, seed: 7 };
  // A non-streaming completion cut by max_tokens.
  const whole = await postChat(baseUrl, { model, messages: ask('Write a long essay about city councils.'), max_tokens: 3, ...greedy }, headers);
  expect(whole.status).toBe(200);
  expect(whole.headers.get('content-type')).toMatch(/^application\/json/);
  expect(whole.body).toMatchObject({ object: 'chat.completion', model, id: expect.stringMatching(/^chatcmpl-/), created: expect.any(Number) });
  const [choice] = whole.body.choices as Array<{ index: number; message: Json; finish_reason: string }>;
  expect(whole.body.choices).toHaveLength(1);
  expect(choice).toMatchObject({ index: 0, message: { role: 'assistant', content: expect.any(String) }, finish_reason: 'length' });
  const usage = whole.body.usage as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  expect(usage.completion_tokens).toBe(3);
  expect(usage.prompt_tokens).toBeGreaterThan(0);
  expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

  // The same as server-sent events: chunks, a finish_reason on the last choice chunk, a usage
  // chunk with no choices (include_usage), then `data: [DONE]`.
  const stream = await streamChat(baseUrl, { model, messages: ask('Write a long essay about city councils.'), max_tokens: 3, stream_options: { include_usage: true }, ...greedy }, headers);
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(stream.data.at(-1)).toBe('[DONE]');
  expect(stream.data.filter((d) => d === '[DONE]')).toHaveLength(1);
  const ids = new Set(stream.chunks.map((c) => c.id));
  expect(ids.size).toBe(1);
  for (const chunk of stream.chunks) expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model, created: expect.any(Number) });
  const usageChunk = stream.chunks.at(-1)!;
  expect(usageChunk.choices).toEqual([]);
  expect(usageChunk.usage).toMatchObject({ completion_tokens: 3, prompt_tokens: usage.prompt_tokens });
  const choiceChunks = stream.chunks.slice(0, -1);
  const finishes = choiceChunks.map((c) => choicesOf(c)[0]!.finish_reason);
  expect(finishes.at(-1)).toBe('length');
  expect(finishes.slice(0, -1).every((f) => f === null)).toBe(true);
  const text = choiceChunks.map((c) => (choicesOf(c)[0]!.delta.content as string | null | undefined) ?? '').join('');
  expect(text.length).toBeGreaterThan(0);
  expect(choicesOf(choiceChunks[0]!)[0]!.delta.role).toBe('assistant');

  // Without include_usage: no usage chunk.
  const plain = await streamChat(baseUrl, { model, messages: ask('Say hello.'), max_tokens: 2, ...greedy }, headers);
  expect(plain.chunks.every((c) => Array.isArray(c.choices) && (c.choices as unknown[]).length === 1 && !c.usage)).toBe(true);

  // JSON mode with room: complete JSON; with 5 tokens: cut JSON and finish_reason length.
  const jsonAsk = ask('Give the name and age of one person as a JSON object.');
  const roomy = await postChat(baseUrl, { model, messages: jsonAsk, response_format: { type: 'json_object' }, max_tokens: 200, ...greedy }, headers);
  const roomyChoice = (roomy.body.choices as Array<{ message: { content: string }; finish_reason: string }>)[0]!;
  expect(roomyChoice.finish_reason).toBe('stop');
  expect(typeof JSON.parse(roomyChoice.message.content)).toBe('object');
  const cut = await postChat(baseUrl, { model, messages: jsonAsk, response_format: { type: 'json_object' }, max_tokens: 5, ...greedy }, headers);
  const cutChoice = (cut.body.choices as Array<{ message: { content: string }; finish_reason: string }>)[0]!;
  expect(cutChoice.finish_reason).toBe('length');
  expect(() => JSON.parse(cutChoice.message.content)).toThrow();
  // A JSON schema is followed.
  const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
  const shaped = await postChat(baseUrl, { model, messages: ask('Is the sky blue? Answer in JSON.'), response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } }, max_tokens: 100, ...greedy }, headers);
  const value = JSON.parse((shaped.body.choices as Array<{ message: { content: string } }>)[0]!.message.content) as Json;
  expect(typeof value.ok).toBe('boolean');

  // An unknown model: 404 with the documented error object.
  const missing = await postChat(baseUrl, { model: 'nope-civicos-model', messages: ask('hi') }, headers);
  expect(missing.status).toBe(404);
  expect(expectErrorBody(missing.body).message).toContain('nope-civicos-model');
}
