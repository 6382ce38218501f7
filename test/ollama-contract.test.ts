/**
 * The Ollama wire contract, run against two targets: the simulator (always) and a real Ollama
 * v0.24.0 serving smollm2:135m (when it can be had; see test/support/real-ollama.ts). Every call
 * to Ollama's own API goes through the real `ollama` client; its OpenAI-compatible /v1 through
 * fetch and a server-sent-events reader (test/support/openai-wire.ts). Assertions are about the
 * protocol (fields, done reasons, counts, status codes, error bodies, scheduling), never about
 * the text's quality.
 * Where the two differ, the simulator is what gets fixed.
 */
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { Ollama, type ChatResponse, type GenerateResponse } from 'ollama';
import { startOllamaSimulator, type GenerationRecord, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { DEMO_ROUTING_PROFILE } from '../config/demo-routing';
import { TINY_MODEL, describeRealOllama } from '../deploy/ollama/real-ollama';
import { DEFAULT_ALIASES } from '../common/inference';
import { realOllamaPlan, startRealOllamaTarget } from './support/real-ollama';
import { expectErrorBody, expectOpenAIWire, postChat, streamChat } from './support/openai-wire';

const MODEL = TINY_MODEL;
const PARALLEL = 2;
/** Greedy decoding: the same request gives the same reply, so runs are repeatable. */
const GREEDY = { temperature: 0, seed: 7 };
const ask = (content: string): Array<{ role: string; content: string }> => [{ role: 'user', content }];
const ESSAYS = [
  'Write a long essay about the history of city councils in Europe.',
  'Write a long story about a dragon who becomes a librarian.',
  'Explain in detail how a public library is funded, step by step.',
  'Write a long report on the state of public transport in small towns.',
];

interface Target {
  name: string;
  url: string | undefined;
  /** Only for the simulator target: its records and counters. */
  sim: OllamaSimulator | undefined;
  skipReason: string | undefined;
  /** Starts the target (sets url, or skipReason); runs in the suite's beforeAll. */
  start(): Promise<void>;
  startTimeoutMs: number;
  stop(): Promise<void>;
}

/** The target's URL, or the test is reported as skipped with the reason. */
function use(target: Target, ctx: TestContext): string {
  if (!target.url) ctx.skip(target.skipReason ?? 'target not started');
  return target.url as string;
}

/** The real client, aborted by `controller` (ollama-js cannot abort a call before headers otherwise). */
function abortableClient(url: string): { client: Ollama; controller: AbortController } {
  const controller = new AbortController();
  const client = new Ollama({
    host: url,
    fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal }),
  });
  return { client, controller };
}

const keys = (value: object): string[] => Object.keys(value).sort();
const isCount = (value: unknown): boolean => Number.isInteger(value) && (value as number) > 0;

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const parts: T[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

interface TimedStream {
  firstAt: number;
  doneAt: number;
  final: ChatResponse;
}

/** A streamed chat, with when its first content chunk and its final chunk arrived. */
async function timedChat(client: Ollama, prompt: string, numPredict: number): Promise<TimedStream> {
  let firstAt = 0;
  let final: ChatResponse | undefined;
  for await (const part of await client.chat({ model: MODEL, messages: ask(prompt), stream: true, options: { num_predict: numPredict, ...GREEDY } })) {
    if (part.message.content && !firstAt) firstAt = performance.now();
    if (part.done) final = part;
  }
  if (!final || !firstAt) throw new Error('stream ended without content or a done chunk');
  return { firstAt, doneAt: performance.now(), final };
}

/** Two streams in flight at once overlap: both produced tokens before either finished. */
function expectOverlap(a: TimedStream, b: TimedStream): void {
  expect(Math.max(a.firstAt, b.firstAt)).toBeLessThan(Math.min(a.doneAt, b.doneAt));
}

async function psEntry(client: Ollama): Promise<Record<string, unknown> | undefined> {
  const { models } = await client.ps();
  return models.find((m) => m.name === MODEL) as unknown as Record<string, unknown> | undefined;
}

/** Polls until `check` holds (no fixed sleeps); fails with the last value after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const FINAL_CHAT_KEYS = ['created_at', 'done', 'done_reason', 'eval_count', 'eval_duration', 'load_duration', 'message', 'model', 'prompt_eval_count', 'prompt_eval_duration', 'total_duration'];

function expectFinalCounts(final: ChatResponse | GenerateResponse): void {
  expect(final.done).toBe(true);
  for (const field of ['prompt_eval_count', 'eval_count', 'total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration'] as const) {
    expect(isCount(final[field]), `${field} = ${final[field]}`).toBe(true);
  }
  expect(final.total_duration).toBeGreaterThanOrEqual(final.eval_duration);
  expect(Number.isNaN(new Date(final.created_at).getTime())).toBe(false);
}

function contractSuite(target: Target): void {
  describe(`ollama contract: ${target.name}`, { timeout: 120_000 }, () => {
    beforeAll(() => target.start(), target.startTimeoutMs);
    afterAll(() => target.stop());

    it('GET /api/version answers a version', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      expect(await client.version()).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    });

    it('/api/tags lists the tiny model with the fields and details Ollama sends', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const entry = (await client.list()).models.find((m) => m.name === MODEL);
      expect(entry).toBeDefined();
      expect(keys(entry!)).toEqual(['details', 'digest', 'model', 'modified_at', 'name', 'size']);
      expect(entry).toMatchObject({ model: MODEL, size: expect.any(Number), digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(entry!.size).toBeGreaterThan(50e6);
      expect(Number.isNaN(new Date(entry!.modified_at).getTime())).toBe(false);
      expect(entry!.details).toEqual({ parent_model: expect.any(String), format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '134.52M', quantization_level: 'Q4_1' });
    });

    it('non-streaming chat: one object with the final fields and token counts', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const reply = await client.chat({ model: MODEL, messages: ask(ESSAYS[0]!), stream: false, options: { num_predict: 10, ...GREEDY } });
      expect(keys(reply)).toEqual(FINAL_CHAT_KEYS);
      expect(reply).toMatchObject({ model: MODEL, done: true, done_reason: 'length', eval_count: 10, message: { role: 'assistant', content: expect.any(String) } });
      expect(keys(reply.message)).toEqual(['content', 'role']);
      expect(reply.message.content.length).toBeGreaterThan(0);
      expectFinalCounts(reply);
      const rate = reply.eval_count / (reply.eval_duration / 1e9);
      console.info(`[ollama-contract] ${target.name}: ${reply.eval_count} tokens at ${rate.toFixed(1)} tokens/s, prompt ${reply.prompt_eval_count} tokens`);
    });

    it('streaming chat: done:false chunks, then one done chunk with empty content and the counts', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const parts = await collect(await client.chat({ model: MODEL, messages: ask(ESSAYS[1]!), stream: true, options: { num_predict: 6, ...GREEDY } }));
      const last = parts.at(-1)!;
      const body = parts.slice(0, -1);
      expect(body.length).toBeGreaterThan(0);
      for (const part of body) {
        expect(keys(part)).toEqual(['created_at', 'done', 'message', 'model']);
        expect(part).toMatchObject({ model: MODEL, done: false, message: { role: 'assistant', content: expect.any(String) } });
      }
      expect(keys(last)).toEqual(FINAL_CHAT_KEYS);
      expect(last).toMatchObject({ done: true, done_reason: 'length', eval_count: 6, message: { role: 'assistant', content: '' } });
      expectFinalCounts(last);
      // One chunk per token, except that Ollama may hold a piece back (partial UTF-8, a stop prefix).
      expect(body.filter((p) => p.message.content !== '').length).toBeLessThanOrEqual(last.eval_count);
    });

    it('generate: `response` chunks, and `context` token ids on the final object, streamed or not', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const whole = await client.generate({ model: MODEL, prompt: ESSAYS[2]!, system: 'Be thorough.', options: { num_predict: 5, ...GREEDY } });
      expect(keys(whole)).toEqual([...FINAL_CHAT_KEYS.filter((k) => k !== 'message'), 'context', 'response'].sort());
      expect(whole).toMatchObject({ model: MODEL, done: true, done_reason: 'length', eval_count: 5, response: expect.any(String) });
      expect(whole.context.length).toBeGreaterThan(whole.eval_count);
      expect(whole.context.every((id) => Number.isInteger(id) && id >= 0)).toBe(true);
      expectFinalCounts(whole);
      const parts = await collect(await client.generate({ model: MODEL, prompt: ESSAYS[2]!, stream: true, options: { num_predict: 5, ...GREEDY } }));
      for (const part of parts.slice(0, -1)) expect(keys(part)).toEqual(['created_at', 'done', 'model', 'response']);
      expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'length', eval_count: 5, response: '', context: expect.any(Array) });
    });

    it('num_predict caps the reply: done_reason length, eval_count equal to it', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      for (const n of [1, 3]) {
        expect(await client.chat({ model: MODEL, messages: ask(ESSAYS[3]!), options: { num_predict: n, ...GREEDY } })).toMatchObject({ done_reason: 'length', eval_count: n });
        expect(await client.generate({ model: MODEL, prompt: ESSAYS[3]!, options: { num_predict: n, ...GREEDY } })).toMatchObject({ done_reason: 'length', eval_count: n });
      }
    });

    it('done_reason stop: a natural end, and a stop sequence that ends the reply before it', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const natural = await client.chat({ model: MODEL, messages: ask('Say hello.'), options: { num_predict: 200, ...GREEDY } });
      expect(natural.done_reason).toBe('stop');
      expect(natural.eval_count).toBeLessThan(200);
      const parts = await collect(await client.chat({ model: MODEL, messages: ask(ESSAYS[0]!), stream: true, options: { num_predict: 32, stop: [' '], ...GREEDY } }));
      const text = parts.map((p) => p.message.content).join('');
      expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
      expect(text).not.toContain(' ');
      // The token that completed the stop sequence is counted, not shown.
      expect(parts.at(-1)!.eval_count).toBeGreaterThanOrEqual(1);
      expect(parts.at(-1)!.eval_count).toBeLessThan(8);
    });

    it('done_reason load and unload: an empty prompt loads, keep_alive 0 unloads (/api/ps empties)', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const loaded = await client.generate({ model: MODEL, prompt: '' });
      expect(keys(loaded)).toEqual(['created_at', 'done', 'done_reason', 'model', 'response']);
      expect(loaded).toMatchObject({ model: MODEL, response: '', done: true, done_reason: 'load' });
      expect(await client.chat({ model: MODEL, messages: [] })).toMatchObject({ message: { role: 'assistant', content: '' }, done: true, done_reason: 'load' });
      expect(await psEntry(client)).toBeDefined();
      expect(await client.generate({ model: MODEL, prompt: '', keep_alive: 0 })).toMatchObject({ response: '', done: true, done_reason: 'unload' });
      await until(() => psEntry(client), (entry) => entry === undefined);
    });

    it('/api/ps: the loaded model with size, size_vram, context_length (num_ctx) and expires_at', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const tagSize = (await client.list()).models.find((m) => m.name === MODEL)!.size;
      await client.generate({ model: MODEL, prompt: 'hi', options: { num_predict: 1 } });
      const entry = (await psEntry(client))!;
      expect(keys(entry)).toEqual(['context_length', 'details', 'digest', 'expires_at', 'model', 'name', 'size', 'size_vram']);
      expect(entry).toMatchObject({ name: MODEL, model: MODEL, context_length: 2048, details: { family: 'llama', quantization_level: 'Q4_1' } });
      // Resident size: the weights plus the KV cache for num_ctx; some or all of it in VRAM.
      expect(entry.size).toBeGreaterThan(tagSize);
      expect(entry.size_vram).toBeGreaterThanOrEqual(0);
      expect(entry.size_vram).toBeLessThanOrEqual(entry.size as number);
      // Default keep_alive: 5 minutes from the end of the last request.
      const expires = new Date(entry.expires_at as string).getTime() - Date.now();
      expect(expires).toBeGreaterThan(4 * 60_000);
      expect(expires).toBeLessThanOrEqual(5 * 60_000 + 1_000);

      await client.generate({ model: MODEL, prompt: 'hi', options: { num_predict: 1, num_ctx: 1024 } });
      const smaller = (await psEntry(client))!;
      expect(smaller.context_length).toBe(1024);
      expect(smaller.size).toBeLessThan(entry.size as number);

      await client.generate({ model: MODEL, prompt: '', keep_alive: -1 });
      const forever = (await psEntry(client))!;
      expect(new Date(forever.expires_at as string).getUTCFullYear()).toBeGreaterThan(2300);
      expect(forever.context_length).toBe(2048);
      await client.generate({ model: MODEL, prompt: '', keep_alive: '5m' });
    });

    it('format json and a JSON schema: the reply parses and follows the schema', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const plain = await client.chat({ model: MODEL, messages: ask('Give the name and age of one person as a JSON object.'), format: 'json', options: { num_predict: 200, ...GREEDY } });
      expect(plain.done_reason).toBe('stop');
      expect(typeof JSON.parse(plain.message.content)).toBe('object');
      const schema = {
        type: 'object',
        properties: { lane: { enum: ['interactive', 'batch'] }, urgent: { type: 'boolean' }, score: { type: 'integer' } },
        required: ['lane', 'urgent', 'score'],
      };
      const parts = await collect(await client.chat({ model: MODEL, messages: ask('Classify: a pothole on Main Street.'), format: schema, stream: true, options: { num_predict: 200, ...GREEDY } }));
      expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
      const value = JSON.parse(parts.map((p) => p.message.content).join('')) as Record<string, unknown>;
      expect(keys(value)).toEqual(['lane', 'score', 'urgent']);
      expect(['interactive', 'batch']).toContain(value.lane);
      expect(typeof value.urgent).toBe('boolean');
      expect(Number.isInteger(value.score)).toBe(true);
    });

    it('format json: a small num_predict cuts the JSON (done_reason length); with room it is whole, indented JSON', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const messages = ask('Give the name and age of one person as a JSON object.');
      const cut = await client.chat({ model: MODEL, messages, format: 'json', options: { num_predict: 8, ...GREEDY } });
      expect(cut).toMatchObject({ done_reason: 'length', eval_count: 8 });
      expect(() => JSON.parse(cut.message.content)).toThrow();
      const whole = await client.chat({ model: MODEL, messages, format: 'json', options: { num_predict: 200, ...GREEDY } });
      expect(whole.done_reason).toBe('stop');
      // smollm2 writes JSON on several lines, indented; the simulator does the same.
      expect(whole.message.content).toMatch(/^\{\n +"/);
      expect(whole.eval_count).toBeGreaterThan(8);
    });

    it('prompt_eval_count counts the chat template, not just the message text', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const chatCount = async (messages: Array<{ role: string; content: string }>): Promise<number> =>
        (await client.chat({ model: MODEL, messages, options: { num_predict: 1, ...GREEDY } })).prompt_eval_count;
      const generateCount = async (prompt: string, extra: { system?: string; raw?: boolean } = {}): Promise<number> =>
        (await client.generate({ model: MODEL, prompt, ...extra, options: { num_predict: 1, ...GREEDY } })).prompt_eval_count;
      // Measured on the real Ollama 0.24.0 + smollm2:135m. The template part is exact in the
      // simulator: SmolLM2's default system prompt (21 tokens with its markers) when no system
      // message is given, 5-6 framing tokens per message, 4 for the assistant header, none in raw
      // mode. "hi" alone is 31 tokens, not 1.
      expect(await chatCount(ask('hi'))).toBe(31);
      expect(await generateCount('hi')).toBe(31);
      expect(await chatCount([{ role: 'system', content: 'Be brief.' }, ...ask('hi')])).toBe(18);
      expect(await generateCount('hi', { system: 'Be brief.' })).toBe(18);
      expect(await chatCount([...ask('hi'), { role: 'assistant', content: 'Hello there' }, ...ask('hi')])).toBe(45);
      expect(await generateCount('hi there', { raw: true })).toBe(2);
      // The text itself is tokenized by the real BPE vocabulary and estimated by the simulator
      // (words, digits, punctuation, long words split): within 10% of the real count of the text
      // (at least 2 tokens), so cost and budget figures from simulated runs are the real ones,
      // give or take that.
      const prose: Array<[string, number]> = [
        ['Write a long essay about the history of city councils in Europe.', 43],
        ['Summarise the council meeting minutes: budget approved, 3 new parks, 12,500 USD for libraries.', 57],
        ['antidisestablishmentarianism photosynthesis electroencephalography', 39],
      ];
      for (const [text, real] of prose) {
        const count = await chatCount(ask(text));
        if (target.sim) expect(Math.abs(count - real), `${text}: ${count} vs ${real}`).toBeLessThanOrEqual(Math.max(2, Math.round((real - 30) * 0.1)));
        else expect(count, text).toBe(real);
      }
    });

    it('think and tools on a model without them: 400 with Ollama\'s text, before anything is generated', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const thinking = { status_code: 400, error: `"${MODEL}" does not support thinking` };
      await expect(client.chat({ model: MODEL, messages: ask('hi'), think: true })).rejects.toMatchObject(thinking);
      await expect(client.chat({ model: MODEL, messages: ask('hi'), think: 'high', stream: true })).rejects.toMatchObject(thinking);
      await expect(client.generate({ model: MODEL, prompt: 'hi', think: true })).rejects.toMatchObject(thinking);
      // think: false is allowed.
      expect(await client.chat({ model: MODEL, messages: ask('hi'), think: false, options: { num_predict: 1 } })).toMatchObject({ done: true });
      const tool = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
      const tools = { status_code: 400, error: `registry.ollama.ai/library/${MODEL} does not support tools` };
      await expect(client.chat({ model: MODEL, messages: ask('Weather in Oslo?'), tools: [tool] })).rejects.toMatchObject(tools);
      await expect(client.chat({ model: MODEL, messages: ask('Weather in Oslo?'), tools: [tool], stream: true })).rejects.toMatchObject(tools);
      // Thinking is checked first; an unknown model is still a 404.
      await expect(client.chat({ model: MODEL, messages: ask('hi'), think: true, tools: [tool] })).rejects.toMatchObject(thinking);
      await expect(client.chat({ model: 'nope-civicos:1b', messages: ask('hi'), think: true })).rejects.toMatchObject({ status_code: 404 });
    });

    it('an option of the wrong type: 500 naming the option (even for a load), unknown options ignored', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const bad = (options: Record<string, unknown>) => client.chat({ model: MODEL, messages: ask('hi'), options: options as never });
      await expect(bad({ num_predict: 'x' })).rejects.toMatchObject({ status_code: 500, error: 'option "num_predict" must be of type integer' });
      await expect(bad({ temperature: 'hot' })).rejects.toMatchObject({ status_code: 500, error: 'option "temperature" must be of type float32' });
      await expect(bad({ stop: 'x' })).rejects.toMatchObject({ status_code: 500, error: 'option "stop" must be of type array' });
      await expect(bad({ stop: [1] })).rejects.toMatchObject({ status_code: 500, error: 'option "stop" must be of an array of strings' });
      await expect(bad({ use_mmap: 'yes' })).rejects.toMatchObject({ status_code: 500, error: 'option "use_mmap" must be of type boolean' });
      await expect(client.generate({ model: MODEL, prompt: '', options: { num_ctx: 'big' as never } })).rejects.toMatchObject({ status_code: 500, error: 'option "num_ctx" must be of type integer' });
      // Go truncates a fractional integer; an option Ollama does not know is only logged.
      expect(await bad({ num_predict: 2.7, civicos_unknown: 'x' })).toMatchObject({ done_reason: 'length', eval_count: 2 });
    });

    it('/api/embed: unit vectors of the model\'s width, token counts, empty input, Ollama\'s errors', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const reply = await client.embed({ model: MODEL, input: ['a', 'b c'] });
      expect(keys(reply)).toEqual(['embeddings', 'load_duration', 'model', 'prompt_eval_count', 'total_duration']);
      expect(reply.embeddings.map((e) => e.length)).toEqual([576, 576]);
      for (const vector of reply.embeddings) expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
      // No chat template for embeddings: the inputs' own tokens.
      expect(reply.prompt_eval_count).toBe(3);
      const short = await client.embed({ model: MODEL, input: 'hello world', dimensions: 8 });
      expect(short.embeddings[0]).toHaveLength(8);
      expect(Math.hypot(...short.embeddings[0]!)).toBeCloseTo(1, 5);
      expect(await client.embed({ model: MODEL, input: [] })).toEqual({ model: MODEL, embeddings: [] });
      await expect(client.embed({ model: MODEL, input: [1] as never })).rejects.toMatchObject({ status_code: 400, error: 'invalid input type' });
      await expect(client.embed({ model: 'nope-civicos:1b', input: 'x' })).rejects.toMatchObject({ status_code: 404, error: 'model "nope-civicos:1b" not found, try pulling it first' });
    });

    it('/api/show: the model\'s real template, parameters, model_info, tensors and capabilities', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const shown = await client.show({ model: MODEL });
      expect(keys(shown)).toEqual(['capabilities', 'details', 'model_info', 'modelfile', 'modified_at', 'parameters', 'template', 'tensors']);
      expect(shown.capabilities).toEqual(['completion']);
      // SmolLM2's ChatML with its default system prompt, as install-tiny-model.sh writes it.
      expect(shown.template).toContain('{{- if .Messages }}');
      expect(shown.template).toContain('<|im_start|>{{ .Role }}');
      expect(shown.template).toContain('You are a helpful AI assistant named SmolLM, trained by Hugging Face');
      // `ollama show --parameters`: name padded to 30 columns, stops quoted. The real server's line
      // order varies from run to run (it walks a Go map), so the lines are compared as a set.
      const lines = shown.parameters.split('\n');
      for (const line of lines) expect(line).toMatch(/^[a-z_]{1,30} +\S/);
      const pairs = lines.map((line) => [line.slice(0, 30).trim(), line.slice(31)] as const).sort(([a, x], [b, y]) => a.localeCompare(b) || x.localeCompare(y));
      expect(pairs).toEqual([['num_ctx', '2048'], ['num_thread', expect.stringMatching(/^\d+$/)], ['stop', '"<|im_end|>"'], ['stop', '"<|im_start|>"'], ['temperature', '0.2']]);
      expect(shown.modelfile).toMatch(/^# Modelfile generated by "ollama show"\n/);
      expect(shown.modelfile).toContain(`TEMPLATE """${shown.template}"""`);
      expect(shown.modelfile).toContain('PARAMETER num_ctx 2048');
      expect(shown.model_info).toMatchObject({
        'general.architecture': 'llama',
        'general.parameter_count': 134_515_008,
        'llama.context_length': 8192,
        'llama.embedding_length': 576,
        'llama.block_count': 30,
        'llama.attention.head_count': 9,
        'llama.attention.head_count_kv': 3,
      });
      const tensors = (shown as unknown as { tensors: Array<{ name: string; type: string; shape: number[] }> }).tensors;
      expect(tensors).toHaveLength(272);
      expect(tensors[0]).toEqual({ name: 'token_embd.weight', type: 'Q8_0', shape: [576, 49_152] });
      expect(tensors.find((t) => t.name === 'blk.0.attn_k.weight')).toEqual({ name: 'blk.0.attn_k.weight', type: 'Q4_1', shape: [576, 192] });
    });

    it('/v1 (OpenAI compatibility): the shared OpenAI wire format, SSE included', async (ctx) => {
      await expectOpenAIWire(`${use(target, ctx)}/v1`, MODEL);
    });

    it('/v1: where Ollama differs from OpenAI (param null, no range checks, n and max_completion_tokens ignored, no x-request-id)', async (ctx) => {
      const v1 = `${use(target, ctx)}/v1`;
      const empty = await postChat(v1, { model: MODEL, messages: [] });
      expect(empty.status).toBe(400);
      expect(expectErrorBody(empty.body)).toEqual({ message: "[] is too short - 'messages'", type: 'invalid_request_error', param: null, code: null });
      const hot = await postChat(v1, { model: MODEL, messages: ask('hi'), temperature: 5, max_tokens: 1 });
      expect(hot.status).toBe(200);
      expect(hot.headers.get('x-request-id')).toBeNull();
      const many = await postChat(v1, { model: MODEL, messages: ask('hi'), n: 2, max_tokens: 2 });
      expect(many.body.choices).toHaveLength(1);
      const capped = await postChat(v1, { model: MODEL, messages: ask('Say hello.'), max_completion_tokens: 1, ...GREEDY });
      expect((capped.body.usage as { completion_tokens: number }).completion_tokens).toBeGreaterThan(1);
      const tools = await streamChat(v1, { model: MODEL, messages: ask('Weather in Oslo?'), tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] });
      expect(tools.status).toBe(400);
      expect(tools.data).toEqual([]);
      const missing = await postChat(v1, { model: 'nope-civicos', messages: ask('hi') });
      expect(missing.body).toEqual({ error: { message: "model 'nope-civicos' not found", type: 'not_found_error', param: null, code: null } });
      const models = (await (await fetch(`${v1}/models`)).json()) as { object: string; data: Array<Record<string, unknown>> };
      expect(models.object).toBe('list');
      expect(models.data.find((m) => m.id === MODEL)).toEqual({ id: MODEL, object: 'model', created: expect.any(Number), owned_by: 'library' });
      expect(await (await fetch(`${v1}/models/${MODEL}`)).json()).toEqual({ id: MODEL, object: 'model', created: expect.any(Number), owned_by: 'library' });
      const unknown = await fetch(`${v1}/models/nope-civicos`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: { message: "model 'nope-civicos' not found", type: 'not_found_error', param: null, code: null } });
    });

    it('errors: unknown model 404, missing model 400/404, invalid format 500, with Ollama\'s error bodies', async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      const unknown = { name: 'ResponseError', status_code: 404, error: "model 'nope-civicos:1b' not found" };
      await expect(client.chat({ model: 'nope-civicos:1b', messages: ask('hi') })).rejects.toMatchObject(unknown);
      await expect(client.chat({ model: 'nope-civicos:1b', messages: ask('hi'), stream: true })).rejects.toMatchObject(unknown);
      await expect(client.generate({ model: 'nope-civicos:1b', prompt: 'hi' })).rejects.toMatchObject(unknown);
      await expect(client.show({ model: 'nope-civicos:1b' })).rejects.toMatchObject(unknown);
      // The name is echoed as given, without the implied :latest.
      await expect(client.chat({ model: 'nope-civicos', messages: ask('hi') })).rejects.toMatchObject({ status_code: 404, error: "model 'nope-civicos' not found" });
      await expect(client.chat({ model: '', messages: ask('hi') })).rejects.toMatchObject({ status_code: 400, error: 'model is required' });
      await expect(client.generate({ model: '', prompt: 'hi' })).rejects.toMatchObject({ status_code: 404, error: "model '' not found" });
      await expect(client.show({ model: '' })).rejects.toMatchObject({ status_code: 400, error: 'model is required' });
      await expect(client.chat({ model: MODEL, messages: ask('hi'), format: 'yaml' })).rejects.toMatchObject({
        status_code: 500,
        error: 'invalid format: "\\"yaml\\""; expected "json" or a valid JSON Schema object',
      });
    });

    it(`OLLAMA_NUM_PARALLEL=${PARALLEL}: two requests generate at once, a third waits for a free slot`, async (ctx) => {
      const client = new Ollama({ host: use(target, ctx) });
      await client.generate({ model: MODEL, prompt: '' }); // loaded, so load time does not skew the timings
      const runs = await Promise.all(ESSAYS.slice(0, 3).map((prompt) => timedChat(client, prompt, 48)));
      const [a, b, c] = [...runs].sort((x, y) => x.firstAt - y.firstAt) as [TimedStream, TimedStream, TimedStream];
      expectOverlap(a, b);
      expect(c.firstAt).toBeGreaterThan(Math.min(a.doneAt, b.doneAt));
      for (const run of runs) expect(['stop', 'length']).toContain(run.final.done_reason);
      if (target.sim) expect(target.sim.stats()).toMatchObject({ maxActive: PARALLEL, active: 0, queued: 0 });
    });

    it('cancellation: aborting a call (before headers, or mid-stream) frees its slot', async (ctx) => {
      const url = use(target, ctx);
      const sim = target.sim;
      sim?.resetStats();
      // A non-streaming call (no headers until the end) and a stream, both long, fill the two slots.
      const whole = abortableClient(url);
      const streamed = abortableClient(url);
      const wholeCall = whole.client.chat({ model: MODEL, messages: ask(ESSAYS[0]!), stream: false, options: { num_predict: 1000, ...GREEDY } });
      const wholeOutcome = wholeCall.then(
        () => new Error('the aborted call resolved'),
        (error: unknown) => error,
      );
      const stream = await streamed.client.chat({ model: MODEL, messages: ask(ESSAYS[1]!), stream: true, options: { num_predict: 1000, ...GREEDY } });
      const reading = (async () => {
        let chunks = 0;
        for await (const part of stream) {
          if (part.message.content && ++chunks === 2) {
            whole.controller.abort();
            streamed.controller.abort();
          }
        }
      })();
      await expect(reading).rejects.toThrow(/abort/i);
      expect(String(await wholeOutcome)).toMatch(/abort/i);
      if (sim) {
        const aborted = await until(async () => sim.records.filter((r) => r.outcome === 'aborted'), (records) => records.length === 2);
        const byStream = new Map(aborted.map((r: GenerationRecord) => [r.stream, r]));
        expect(byStream.get(false)).toMatchObject({ status: 0, outcome: 'aborted' });
        expect(byStream.get(true)).toMatchObject({ status: 200, outcome: 'aborted' });
        expect(byStream.get(true)!.evalCount).toBeLessThan(1000);
        expect(sim.stats()).toMatchObject({ active: 0, aborted: 2 });
      }
      // Both slots are free again: two new requests generate at the same time, and complete.
      const client = new Ollama({ host: url });
      const [a, b] = await Promise.all([timedChat(client, ESSAYS[2]!, 24), timedChat(client, ESSAYS[3]!, 24)]);
      expectOverlap(a!, b!);
    });
  });
}

// ───────────────────────────── the two targets ─────────────────────────────

const simulatorTarget: Target = {
  name: 'simulator',
  url: undefined,
  sim: undefined,
  skipReason: undefined,
  async start() {
    // Paced like a small model on a CPU, so scheduling and cancellation are observable.
    this.sim = await startOllamaSimulator({ parallel: PARALLEL, tokensPerSecond: 100, ttftMs: 20 });
    this.url = this.sim.url;
  },
  startTimeoutMs: 10_000,
  async stop() {
    await this.sim?.close();
  },
};

const plan = realOllamaPlan();
let stopReal: (() => Promise<void>) | undefined;
const realTarget: Target = {
  name: 'real Ollama (smollm2:135m)',
  url: undefined,
  sim: undefined,
  skipReason: plan.skipReason,
  async start() {
    // Required (CIVICOS_REAL_OLLAMA=1): throws, and every test of this target fails.
    const real = await startRealOllamaTarget(plan);
    if (real.server) {
      this.url = real.server.url;
      stopReal = real.server.stop;
      console.info(`[ollama-contract] real target: ${describeRealOllama(real.server)} at ${real.server.url} (log ${real.server.logFile})`);
    } else {
      this.skipReason = real.skipReason;
      console.warn(`[ollama-contract] real Ollama target SKIPPED: ${real.skipReason}`);
    }
  },
  // Required: it may build Ollama first (~10 min cold).
  startTimeoutMs: plan.required ? 20 * 60_000 : 180_000,
  async stop() {
    await stopReal?.();
  },
};

contractSuite(simulatorTarget);
contractSuite(realTarget);

describe('demo routing profile', () => {
  it('maps every standard alias to the tiny model', () => {
    expect(Object.keys(DEMO_ROUTING_PROFILE.aliases).sort()).toEqual(Object.keys(DEFAULT_ALIASES).sort());
    expect(new Set(Object.values(DEMO_ROUTING_PROFILE.aliases))).toEqual(new Set([TINY_MODEL]));
    expect(DEMO_ROUTING_PROFILE.model).toBe(TINY_MODEL);
  });
});
