/**
 * The OpenAI simulator against OpenAI's documented chat-completions behaviour
 * (https://platform.openai.com/docs/api-reference/chat/create and the guides it links). The wire
 * format it shares with Ollama's /v1 (SSE framing, chunk and completion shapes, finish_reason,
 * usage) is `expectOpenAIWire`, which the contract suite also runs against a real Ollama; the
 * cases below are where OpenAI's API does more than Ollama's /v1 (see the contract suite's
 * "/v1: where Ollama differs from OpenAI" for what Ollama does instead).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAISimulator, type OpenAISimulator } from '../deploy/dev/openai-simulator';
import { expectErrorBody, expectOpenAIWire, parseSse, postChat, streamChat, type Json } from './support/openai-wire';

const KEY = 'sk-test-civicos-0123456789abcdef';
const AUTH = { authorization: `Bearer ${KEY}` };
const MODEL = 'gpt-4.1-mini';
const ask = (content: string): Json[] => [{ role: 'user', content }];

let sim: OpenAISimulator;
beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: KEY });
});
afterAll(() => sim?.close());

const chat = (body: Json) => postChat(sim.url, { model: MODEL, ...body }, AUTH);
type Choice = { index: number; message: { role: string; content: string | null; tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }> }; finish_reason: string };
const choices = (body: Json): Choice[] => body.choices as Choice[];

/** A 400 naming `param`, in the documented error object. */
async function expectInvalid(body: Json, param: string, code?: string): Promise<Json> {
  const reply = await chat(body);
  expect(reply.status).toBe(400);
  const error = expectErrorBody(reply.body);
  expect(error).toMatchObject({ type: 'invalid_request_error', param, ...(code ? { code } : {}) });
  return error;
}

describe('openai simulator: the documented chat-completions API', () => {
  it('speaks the wire format a real Ollama /v1 also speaks (SSE, chunks, usage, finish_reason, JSON modes, 404)', async () => {
    await expectOpenAIWire(sim.url, MODEL, AUTH);
  });

  it('stream: true sends server-sent events that add up to the non-streamed reply, then data: [DONE]', async () => {
    const whole = await chat({ messages: ask('Summarise the council meeting.'), max_completion_tokens: 20 });
    const response = await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body: JSON.stringify({ model: MODEL, messages: ask('Summarise the council meeting.'), max_completion_tokens: 20, stream: true }) });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const raw = await response.text();
    // Documented framing: each event is one `data: <json>` line and a blank line.
    expect(raw).toMatch(/^data: \{/);
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = parseSse(raw);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Json);
    const deltas = chunks.map((c) => (c.choices as Array<{ delta: Json; finish_reason: string | null }>)[0]!);
    // The first delta carries the role (and empty content); the last carries only the finish_reason.
    expect(deltas[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(deltas.at(-1)).toMatchObject({ delta: {}, finish_reason: choices(whole.body)[0]!.finish_reason });
    expect(deltas.map((d) => (d.delta.content as string | undefined) ?? '').join('')).toBe(choices(whole.body)[0]!.message.content);
  });

  it('max_completion_tokens caps the reply (finish_reason length), and wins over the deprecated max_tokens', async () => {
    for (const n of [1, 5]) {
      const reply = await chat({ messages: ask('Write a long essay about city councils.'), max_completion_tokens: n });
      expect(choices(reply.body)[0]!.finish_reason).toBe('length');
      expect(reply.body.usage).toMatchObject({ completion_tokens: n });
    }
    const both = await chat({ messages: ask('Write a long essay about city councils.'), max_completion_tokens: 2, max_tokens: 50 });
    expect(both.body.usage).toMatchObject({ completion_tokens: 2 });
    await expectInvalid({ messages: ask('hi'), max_completion_tokens: 0 }, 'max_completion_tokens', 'integer_below_min_value');
  });

  it('n returns that many choices, indexed, each counted in usage; streamed choices carry their index', async () => {
    const reply = await chat({ messages: ask('Name a park.'), n: 3, max_completion_tokens: 30 });
    const list = choices(reply.body);
    expect(list.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(list.map((c) => c.message.content)).size).toBe(3);
    const usage = reply.body.usage as { completion_tokens: number };
    const single = await chat({ messages: ask('Name a park.'), n: 1, max_completion_tokens: 30 });
    expect(usage.completion_tokens).toBeGreaterThan((single.body.usage as { completion_tokens: number }).completion_tokens);
    const stream = await streamChat(sim.url, { model: MODEL, messages: ask('Name a park.'), n: 2, max_completion_tokens: 4 }, AUTH);
    const finished = stream.chunks.flatMap((c) => (c.choices as Array<{ index: number; finish_reason: string | null }>).filter((ch) => ch.finish_reason).map((ch) => ch.index));
    expect(finished.sort()).toEqual([0, 1]);
    await expectInvalid({ messages: ask('hi'), n: 129 }, 'n', 'integer_above_max_value');
  });

  it('response_format json_schema: the reply follows the schema; the documented refusals name their parameter', async () => {
    const schema = {
      type: 'object',
      properties: { lane: { type: 'string', enum: ['prod', 'experimental'] }, urgent: { type: 'boolean' }, score: { type: 'integer', minimum: 1, maximum: 5 } },
      required: ['lane', 'urgent', 'score'],
      additionalProperties: false,
    };
    const reply = await chat({ messages: ask('Classify: a pothole on Main Street.'), response_format: { type: 'json_schema', json_schema: { name: 'triage', strict: true, schema } } });
    expect(choices(reply.body)[0]!.finish_reason).toBe('stop');
    const value = JSON.parse(choices(reply.body)[0]!.message.content!) as Json;
    expect(Object.keys(value).sort()).toEqual(['lane', 'score', 'urgent']);
    expect(['prod', 'experimental']).toContain(value.lane);
    expect(typeof value.urgent).toBe('boolean');
    expect(value.score).toBeGreaterThanOrEqual(1);
    expect(value.score).toBeLessThanOrEqual(5);
    await expectInvalid({ messages: ask('hi'), response_format: { type: 'json_schema', json_schema: { schema } } }, 'response_format.json_schema.name', 'missing_required_parameter');
    await expectInvalid({ messages: ask('hi'), response_format: { type: 'yaml' } }, 'response_format.type', 'invalid_value');
    // JSON mode: "the API will throw an error if the string 'JSON' does not appear somewhere in the context".
    await expectInvalid({ messages: ask('Give one person.'), response_format: { type: 'json_object' } }, 'messages');
    const json = await chat({ messages: ask('Give one person as JSON.'), response_format: { type: 'json_object' } });
    expect(typeof JSON.parse(choices(json.body)[0]!.message.content!)).toBe('object');
  });

  it('tools: a tool call (finish_reason tool_calls) whose arguments fit the schema, text after the tool result; bad tools refused', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city', 'days'] } } }];
    const call = await chat({ messages: ask('Weather in Oslo for 3 days?'), tools });
    const [first] = choices(call.body);
    expect(first).toMatchObject({ finish_reason: 'tool_calls', message: { role: 'assistant', content: null } });
    const toolCall = first!.message.tool_calls![0]!;
    expect(toolCall).toMatchObject({ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather' } });
    const args = JSON.parse(toolCall.function.arguments) as { city: unknown; days: number };
    expect(typeof args.city).toBe('string');
    expect(Number.isInteger(args.days) && args.days >= 1 && args.days <= 7).toBe(true);
    const after = await chat({ messages: [...ask('Weather in Oslo for 3 days?'), { role: 'assistant', content: null, tool_calls: [toolCall] }, { role: 'tool', tool_call_id: toolCall.id, content: '{"temp_c": 4}' }], tools });
    expect(choices(after.body)[0]).toMatchObject({ finish_reason: 'stop', message: { content: expect.any(String) } });
    const none = await chat({ messages: ask('Weather in Oslo?'), tools, tool_choice: 'none' });
    expect(choices(none.body)[0]!.message.tool_calls).toBeUndefined();
    // Streamed: the call's id and name first, then the arguments in fragments.
    const stream = await streamChat(sim.url, { model: MODEL, messages: ask('Weather in Oslo?'), tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } }, AUTH);
    const deltas = stream.chunks.map((c) => (c.choices as Array<{ delta: { tool_calls?: Array<{ function: { name?: string; arguments: string } }> }; finish_reason: string | null }>)[0]!);
    expect(deltas[0]!.delta.tool_calls![0]!.function.name).toBe('get_weather');
    expect(JSON.parse(deltas.map((d) => d.delta.tool_calls?.[0]?.function.arguments ?? '').join(''))).toHaveProperty('city');
    expect(deltas.at(-1)!.finish_reason).toBe('tool_calls');
    await expectInvalid({ messages: ask('hi'), tools: [{ type: 'function', function: { parameters: {} } }] }, 'tools[0].function.name', 'missing_required_parameter');
    await expectInvalid({ messages: ask('hi'), tool_choice: 'auto' }, 'tool_choice');
  });

  it('bad requests are 400s naming the parameter: empty messages, temperature 5, stream_options without stream', async () => {
    const empty = await expectInvalid({ messages: [] }, 'messages', 'empty_array');
    expect(empty.message).toBe("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    const hot = await expectInvalid({ messages: ask('hi'), temperature: 5 }, 'temperature', 'decimal_above_max_value');
    expect(hot.message).toBe("Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 5 instead.");
    await expectInvalid({ messages: ask('hi'), temperature: 'warm' }, 'temperature', 'invalid_type');
    await expectInvalid({ messages: ask('hi'), stream_options: { include_usage: true } }, 'stream_options');
    await expectInvalid({ messages: [{ role: 'narrator', content: 'hi' }] }, 'messages[0].role', 'invalid_value');
    const noModel = await postChat(sim.url, { messages: ask('hi') }, AUTH);
    expect(noModel.status).toBe(400);
    expect(expectErrorBody(noModel.body).message).toMatch(/model/);
    // Nothing refused reached the model: the simulator records each with its status.
    expect(sim.requests.filter((r) => r.status === 400).length).toBeGreaterThanOrEqual(6);
  });

  it('every response carries a unique x-request-id; every error is {error: {message, type, param, code}}; the key is never echoed', async () => {
    const responses = [
      await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ model: MODEL, messages: ask('hi') }) }),
      await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ model: MODEL, messages: ask('hi'), stream: true }) }),
      await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers: AUTH, body: '{not json' }),
      await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-wrong-key-000' }, body: JSON.stringify({ model: MODEL, messages: ask('hi') }) }),
      await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ model: 'gpt-nope', messages: ask('hi') }) }),
      await fetch(`${sim.url}/models`, { headers: AUTH }),
      await fetch(`${sim.url}/nowhere`, { headers: AUTH }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 400, 401, 404, 200, 404]);
    const ids = responses.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const texts = await Promise.all(responses.map((r) => r.text()));
    for (const text of texts) expect(text).not.toContain('sk-wrong-key-000');
    expect(expectErrorBody(JSON.parse(texts[3]!) as Json)).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', param: null });
    expect(expectErrorBody(JSON.parse(texts[4]!) as Json)).toMatchObject({ code: 'model_not_found', param: null });
    for (const i of [2, 6]) expectErrorBody(JSON.parse(texts[i]!) as Json);
    sim.setOptions({ failNext: 1 });
    const failed = await chat({ messages: ask('hi') });
    expect(failed.status).toBe(500);
    expect(expectErrorBody(failed.body)).toMatchObject({ type: 'server_error', param: null, code: null });
    expect(failed.headers.get('x-request-id')).toMatch(/^req_/);
  });
});
