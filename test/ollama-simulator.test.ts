import { afterEach, describe, expect, it } from 'vitest';
import { Ollama, type ChatResponse } from 'ollama';
import {
  BUSY_MESSAGE,
  DEFAULT_MODELS,
  startOllamaSimulator,
  type GenerationRecord,
  type OllamaSimulator,
  type SimulatorEvents,
  type SimulatorOptions,
} from '../deploy/dev/ollama-simulator';

const MODEL = 'qwen3:14b';
const ask = (content: string): Array<{ role: string; content: string }> => [{ role: 'user', content }];

const running: OllamaSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function start(options: SimulatorOptions = {}): Promise<{ sim: OllamaSimulator; client: Ollama }> {
  const sim = await startOllamaSimulator({ ttftMs: 0, tokensPerSecond: 0, ...options });
  running.push(sim);
  return { sim, client: new Ollama({ host: sim.url }) };
}

/** ollama-js cannot cancel before response headers arrive, so queued or hung calls need a signal on fetch. */
function abortableClient(sim: OllamaSimulator): { client: Ollama; controller: AbortController } {
  const controller = new AbortController();
  const client = new Ollama({ host: sim.url, fetch: (input, init) => fetch(input, { ...init, signal: controller.signal }) });
  return { client, controller };
}

function nextEvent(sim: OllamaSimulator, name: keyof SimulatorEvents, match: (record: GenerationRecord) => boolean = () => true): Promise<GenerationRecord> {
  return new Promise((resolve) => {
    const listener = (record: GenerationRecord): void => {
      if (!match(record)) return;
      sim.events.off(name, listener);
      resolve(record);
    };
    sim.events.on(name, listener);
  });
}

async function collect(stream: AsyncIterable<ChatResponse>): Promise<ChatResponse[]> {
  const parts: ChatResponse[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('ollama simulator: chat and generate through the real ollama client', () => {
  it('streams chat chunks ending in a done message with counts and durations', async () => {
    const { client } = await start({ tokensPerSecond: 2000, ttftMs: 5 });
    const parts = await collect(await client.chat({ model: MODEL, messages: ask('Summarise the council meeting'), stream: true }));
    const last = parts.at(-1)!;
    const withContent = parts.filter((part) => part.message.content !== '');
    expect(parts.slice(0, -1).every((part) => part.done === false && part.message.role === 'assistant')).toBe(true);
    expect(last).toMatchObject({ model: MODEL, done: true, done_reason: 'stop', message: { role: 'assistant', content: '' } });
    expect(last.eval_count).toBe(withContent.length);
    expect(withContent.length).toBeGreaterThanOrEqual(12);
    expect(withContent.length).toBeLessThanOrEqual(48);
    for (const field of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration'] as const) expect(last[field]).toBeGreaterThan(0);
    expect(last.prompt_eval_count).toBeGreaterThanOrEqual(4);
    expect(new Date(last.created_at).getTime()).not.toBeNaN();
  });

  it('answers non-streaming chat and generate in one object; generate carries context', async () => {
    const { client, sim } = await start();
    const chat = await client.chat({ model: MODEL, messages: ask('hello'), stream: false });
    expect(chat).toMatchObject({ done: true, done_reason: 'stop', message: { role: 'assistant' } });
    expect(chat.message.content.split(' ')).toHaveLength(chat.eval_count);
    const generated = await client.generate({ model: MODEL, prompt: 'Write a notice about the park', system: 'Be brief' });
    expect(generated).toMatchObject({ done: true, done_reason: 'stop' });
    expect(generated.response?.length).toBeGreaterThan(0);
    expect(generated.context.length).toBeGreaterThan(generated.eval_count);
    expect(generated.context.every((id) => Number.isInteger(id))).toBe(true);
    expect(sim.records.map((r) => [r.path, r.outcome, r.stream])).toEqual([['/api/chat', 'completed', false], ['/api/generate', 'completed', false]]);
  });

  it('stops at num_predict with done_reason length', async () => {
    const { client } = await start();
    const parts = await collect(await client.chat({ model: MODEL, messages: ask('long answer please'), stream: true, options: { num_predict: 5 } }));
    expect(parts.at(-1)).toMatchObject({ done_reason: 'length', eval_count: 5 });
    expect(parts.filter((p) => p.message.content)).toHaveLength(5);
    const generated = await client.generate({ model: MODEL, prompt: 'x', options: { num_predict: 3 } });
    expect(generated).toMatchObject({ done_reason: 'length', eval_count: 3 });
  });

  it('caps natural length at defaultMaxTokens when num_predict is unset', async () => {
    const { client } = await start({ defaultMaxTokens: 4 });
    expect(await client.chat({ model: MODEL, messages: ask('hi') })).toMatchObject({ done_reason: 'length', eval_count: 4 });
  });

  it('returns parseable JSON for format json and schemas, truncated JSON when cut', async () => {
    const { client } = await start();
    const plain = await client.chat({ model: MODEL, messages: ask('list the items'), format: 'json' });
    expect(JSON.parse(plain.message.content)).toMatchObject({ summary: expect.any(String), items: expect.any(Array) });
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string' },
        score: { type: 'integer', minimum: 1, maximum: 5 },
        urgent: { type: 'boolean' },
        lane: { enum: ['interactive', 'batch'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
      },
      required: ['title', 'score', 'urgent', 'lane', 'tags'],
    };
    const parts = await collect(await client.chat({ model: MODEL, messages: ask('classify'), format: schema, stream: true }));
    const content = parts.map((p) => p.message.content).join('');
    const value = JSON.parse(content) as Record<string, unknown>;
    expect(value).toMatchObject({ title: expect.any(String), urgent: expect.any(Boolean), tags: expect.any(Array) });
    expect(value.score).toBeGreaterThanOrEqual(1);
    expect(value.score).toBeLessThanOrEqual(5);
    expect(['interactive', 'batch']).toContain(value.lane);
    expect(parts.length - 1).toBeGreaterThan(5);
    const cut = await client.chat({ model: MODEL, messages: ask('classify'), format: schema, options: { num_predict: 4 } });
    expect(cut.done_reason).toBe('length');
    expect(content.startsWith(cut.message.content)).toBe(true);
    expect(() => JSON.parse(cut.message.content) as unknown).toThrow();
  });

  it('is deterministic: same input, same text; another prompt, another text', async () => {
    const { client } = await start();
    const once = async (content: string, model = MODEL): Promise<string> => (await client.chat({ model, messages: ask(content) })).message.content;
    const first = await once('What is on the agenda?');
    expect(await once('What is on the agenda?')).toBe(first);
    expect(await once('What is on the agenda today?')).not.toBe(first);
    expect(await once('What is on the agenda?', 'smollm2:135m')).not.toBe(first);
  });
});

describe('ollama simulator: catalogue endpoints', () => {
  it('lists installed models (/api/tags), running ones after use (/api/ps), shows details and version', async () => {
    const { client } = await start();
    const { models } = await client.list();
    expect(models.map((m) => m.name)).toEqual([...DEFAULT_MODELS]);
    expect(models[0]).toMatchObject({ model: MODEL, size: expect.any(Number), digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(models[0]!.details).toMatchObject({ format: 'gguf', family: 'qwen3', parameter_size: '14.8B', quantization_level: 'Q4_K_M' });
    expect((await client.ps()).models).toEqual([]);
    await client.generate({ model: 'smollm2:135m', prompt: 'hi' });
    const ps = await client.ps();
    expect(ps.models.map((m) => m.name)).toEqual(['smollm2:135m']);
    expect(new Date(ps.models[0]!.expires_at).getTime()).toBeGreaterThan(Date.now());
    expect(ps.models[0]!.size_vram).toBeGreaterThan(0);
    const shown = await client.show({ model: MODEL });
    // qwen3 on Ollama: tools and thinking come with its template (smollm2's has neither; see the contract suite).
    expect(shown).toMatchObject({ capabilities: ['completion', 'tools', 'thinking'], details: { family: 'qwen3' }, model_info: expect.any(Object) });
    expect(typeof shown.modelfile).toBe('string');
    await expect(client.show({ model: 'nope:1b' })).rejects.toMatchObject({ name: 'ResponseError', status_code: 404 });
    expect(await client.version()).toEqual({ version: '0.24.0' });
  });

  it('loads with an empty prompt and unloads with keep_alive 0', async () => {
    const { client } = await start();
    expect(await client.generate({ model: MODEL, prompt: '' })).toMatchObject({ response: '', done: true, done_reason: 'load' });
    expect((await client.ps()).models).toHaveLength(1);
    expect(await client.generate({ model: MODEL, prompt: '', keep_alive: 0 })).toMatchObject({ done_reason: 'unload' });
    expect((await client.ps()).models).toHaveLength(0);
  });
});

describe('ollama simulator: per-model capabilities and templates (the contract suite checks smollm2 on a real Ollama)', () => {
  const tool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } };

  it.each([
    // [model, thinking, tools]: as `ollama show` lists them for these models' official templates.
    ['qwen3:14b', true, true],
    ['qwen2.5:14b', false, true],
    ['mistral-small3.2:24b', false, true],
    ['smollm2:135m', false, false],
  ])('%s: think accepted=%s, tools accepted=%s', async (model, thinking, tools) => {
    const { client } = await start();
    const think = client.chat({ model, messages: ask('hi'), think: true, options: { num_predict: 1 } });
    if (thinking) await expect(think).resolves.toMatchObject({ done: true });
    else await expect(think).rejects.toMatchObject({ status_code: 400, error: `"${model}" does not support thinking` });
    const withTools = client.chat({ model, messages: ask('hi'), tools: [tool], options: { num_predict: 1 } });
    if (tools) await expect(withTools).resolves.toMatchObject({ done: true });
    else await expect(withTools).rejects.toMatchObject({ status_code: 400, error: `registry.ollama.ai/library/${model} does not support tools` });
  });

  it('think on a thinking model: the reasoning comes first (message.thinking) and counts against num_predict', async () => {
    const { client } = await start();
    const whole = await client.chat({ model: 'qwen3:14b', messages: ask('Plan the park clean-up.'), think: true, options: { num_predict: 200 } });
    expect(whole.message.thinking!.length).toBeGreaterThan(0);
    expect(whole.message.content.length).toBeGreaterThan(0);
    expect(whole.eval_count).toBeGreaterThan(whole.message.content.split(' ').length);
    // A small budget is spent thinking: no answer, done_reason length (what a thinking model does).
    const starved = await client.chat({ model: 'qwen3:14b', messages: ask('Plan the park clean-up.'), think: true, options: { num_predict: 5 } });
    expect(starved).toMatchObject({ done_reason: 'length', eval_count: 5, message: { content: '' } });
    const parts = await collect(await client.chat({ model: 'qwen3:14b', messages: ask('Plan the park clean-up.'), think: true, stream: true, options: { num_predict: 200 } }));
    const firstContent = parts.findIndex((p) => p.message.content !== '');
    expect(parts.slice(0, firstContent).every((p) => p.message.thinking)).toBe(true);
    expect(parts.map((p) => p.message.thinking ?? '').join('')).toBe(whole.message.thinking);
    expect(parts.map((p) => p.message.content).join('')).toBe(whole.message.content);
    const generated = await client.generate({ model: 'qwen3:14b', prompt: 'Plan the park clean-up.', think: true });
    expect(generated.thinking!.length).toBeGreaterThan(0);
  });

  it('counts prompts through each template: ChatML with no default system prompt for Qwen, SmolLM2 adds its own', async () => {
    const { client } = await start();
    const count = async (model: string, messages: Array<{ role: string; content: string }>): Promise<number> =>
      (await client.chat({ model, messages, options: { num_predict: 1 } })).prompt_eval_count;
    // <|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n
    expect(await count('qwen3:14b', ask('hi'))).toBe(9);
    expect(await count('qwen3:14b', [{ role: 'system', content: 'Be brief.' }, ...ask('hi')])).toBe(9 + 5 + 3);
    expect(await count('smollm2:135m', ask('hi'))).toBe(31);
  });

  it('/v1 on a tools-capable model accepts tools (the simulator answers in text) and counts its ChatML prompt', async () => {
    const { sim } = await start();
    const reply = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: MODEL, messages: ask('hi'), tools: [tool], max_tokens: 2 }) });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ object: 'chat.completion', choices: [{ finish_reason: 'length' }], usage: { prompt_tokens: 9, completion_tokens: 2 } });
  });
});

describe('ollama simulator: errors and raw wire format', () => {
  it('unknown or missing model → ResponseError 404 with Ollama\'s message', async () => {
    const { client, sim } = await start({ faults: { missingModels: ['qwen2.5:14b'] } });
    await expect(client.chat({ model: 'llama9:1b', messages: ask('hi') })).rejects.toMatchObject({
      name: 'ResponseError',
      status_code: 404,
      error: "model 'llama9:1b' not found",
    });
    await expect(client.chat({ model: 'qwen2.5:14b', messages: ask('hi'), stream: true })).rejects.toMatchObject({ status_code: 404 });
    expect((await client.list()).models.map((m) => m.name)).not.toContain('qwen2.5:14b');
    expect(sim.stats()).toMatchObject({ modelMissing: 2, completed: 0 });
  });

  it('speaks raw HTTP like Ollama: NDJSON by default, 400s, plain-text 404, root and HEAD', async () => {
    const { sim } = await start();
    const post = (path: string, body: string): Promise<Response> => fetch(`${sim.url}${path}`, { method: 'POST', body });
    const streamed = await post('/api/chat', JSON.stringify({ model: MODEL, messages: ask('hi') }));
    expect(streamed.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await streamed.text()).trim().split('\n').map((line) => JSON.parse(line) as ChatResponse);
    expect(lines.at(-1)).toMatchObject({ done: true });
    expect(lines.length - 1).toBe(lines.at(-1)!.eval_count);

    const invalid = await post('/api/chat', '{not json');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ error: expect.stringMatching(/invalid/) });
    const noModel = await post('/api/chat', JSON.stringify({ messages: ask('hi') }));
    expect([noModel.status, await noModel.json()]).toEqual([400, { error: 'model is required' }]);
    // Ollama 0.24's /api/generate looks the empty name up instead.
    const emptyModel = await post('/api/generate', JSON.stringify({ prompt: 'hi' }));
    expect([emptyModel.status, await emptyModel.json()]).toEqual([404, { error: "model '' not found" }]);

    const unknown = await fetch(`${sim.url}/api/nothing`);
    expect([unknown.status, await unknown.text()]).toEqual([404, '404 page not found']);
    const root = await fetch(sim.url);
    expect([root.status, await root.text()]).toEqual([200, 'Ollama is running']);
    expect((await fetch(sim.url, { method: 'HEAD' })).status).toBe(200);
    expect(sim.stats().requests).toMatchObject({ '/api/chat': 3, '/api/generate': 1, '/api/nothing': 1, '/': 2 });
    expect(sim.stats().badRequests).toBe(2);
  });

  it('errorRate 1 → HTTP 500 on every generation', async () => {
    const { client, sim } = await start({ faults: { errorRate: 1 } });
    await expect(client.chat({ model: MODEL, messages: ask('hi') })).rejects.toMatchObject({ name: 'ResponseError', status_code: 500 });
    await expect(client.generate({ model: MODEL, prompt: 'hi', stream: true })).rejects.toMatchObject({ status_code: 500 });
    expect(sim.stats()).toMatchObject({ errors: 2, completed: 0 });
  });

  it('errorRate draws a seeded, repeatable sequence', async () => {
    const pattern = async (): Promise<boolean[]> => {
      const { client } = await start({ faults: { errorRate: 0.5 }, seed: 7 });
      const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => client.generate({ model: MODEL, prompt: `p${i}` })));
      return results.map((r) => r.status === 'fulfilled');
    };
    const first = await pattern();
    expect(first).toContain(true);
    expect(first).toContain(false);
    expect(await pattern()).toEqual(first);
  });

  it('failNextRequests fails exactly the next N generations with failStatus, then recovers', async () => {
    const { client, sim } = await start({ faults: { failNextRequests: 2, failStatus: 503 } });
    await expect(client.chat({ model: MODEL, messages: ask('a') })).rejects.toMatchObject({ status_code: 503, error: BUSY_MESSAGE });
    await expect(client.chat({ model: MODEL, messages: ask('b') })).rejects.toMatchObject({ status_code: 503 });
    await expect(client.chat({ model: MODEL, messages: ask('c') })).resolves.toMatchObject({ done: true });
    sim.setOptions({ faults: { failNextRequests: 1, failStatus: 502 } });
    await expect(client.chat({ model: MODEL, messages: ask('d') })).rejects.toMatchObject({ status_code: 502 });
    await expect(client.chat({ model: MODEL, messages: ask('e') })).resolves.toMatchObject({ done: true });
  });
});

describe('ollama simulator: scheduling', () => {
  it('answers 503 "server busy" when slots and queue are full (parallel 1, maxQueue 1)', async () => {
    const { client, sim } = await start({ parallel: 1, maxQueue: 1, tokensPerSecond: 50 });
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((p) => client.chat({ model: MODEL, messages: ask(p), options: { num_predict: 10 } })),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ status_code: 503, error: BUSY_MESSAGE });
    expect(sim.stats()).toMatchObject({ rejectedBusy: 1, completed: 2, maxActive: 1 });
  });

  it('serves a single slot in FIFO order', async () => {
    const { client, sim } = await start({ parallel: 1, tokensPerSecond: 100 });
    const started: number[] = [];
    sim.events.on('start', (record) => started.push(record.id));
    // Wrapped so the async helper does not adopt (and wait for) the reply promise.
    const send = async (prompt: string, numPredict: number, wait: 'start' | 'request'): Promise<{ reply: Promise<ChatResponse> }> => {
      const seen = nextEvent(sim, wait);
      const reply = client.chat({ model: MODEL, messages: ask(prompt), options: { num_predict: numPredict } });
      await seen;
      return { reply };
    };
    // The first reply takes ~200 ms, far longer than the next two need to arrive and queue.
    const replies = [await send('first', 20, 'start'), await send('second', 5, 'request'), await send('third', 5, 'request')];
    expect(sim.stats()).toMatchObject({ active: 1, queued: 2 });
    await Promise.all(replies.map(({ reply }) => reply));
    expect(started).toEqual([1, 2, 3]);
    const [a, b, c] = sim.records;
    expect(b!.startedAt).toBeGreaterThanOrEqual(a!.endedAt!);
    expect(c!.startedAt).toBeGreaterThanOrEqual(b!.endedAt!);
    expect(sim.records.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed']);
  });

  it('never runs more than `parallel` generations at once', async () => {
    const { client, sim } = await start({ parallel: 2, tokensPerSecond: 200 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => client.generate({ model: MODEL, prompt: `job ${i}`, options: { num_predict: 10 } })));
    expect(sim.stats()).toMatchObject({ maxActive: 2, completed: 6, active: 0, queued: 0 });
  });

  it('instant mode (tokensPerSecond 0) replies without delay, still as separate NDJSON lines', async () => {
    const { client, sim } = await start({ tokensPerSecond: 0, ttftMs: 1000 });
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => client.chat({ model: MODEL, messages: ask(`q${i}`) })));
    // ttftMs 1000 is ignored and tokens are not paced; the bound is loose so a loaded CI box cannot flake it.
    expect(replies.every((r) => r.eval_duration < 500e6 && r.prompt_eval_duration < 500e6)).toBe(true);
    const parts = await collect(await client.chat({ model: MODEL, messages: ask('lines'), stream: true }));
    expect(parts.length - 1).toBe(parts.at(-1)!.eval_count);
    expect(sim.stats().completed).toBe(51);
  });
});

describe('ollama simulator: cancellation and connection faults', () => {
  it('a client abort mid-stream ends the generation as aborted and frees the slot', async () => {
    const { client, sim } = await start({ parallel: 1, tokensPerSecond: 100 });
    const stream = await client.chat({ model: MODEL, messages: ask('long'), stream: true, options: { num_predict: 1000 } });
    let received = 0;
    const reading = (async () => {
      for await (const part of stream) if (part.message.content && ++received === 2) stream.abort();
    })();
    await expect(reading).rejects.toThrow(/abort/i);
    const record = await sim.waitFor((r) => r.outcome === 'aborted');
    expect(record.evalCount).toBeGreaterThanOrEqual(2);
    expect(record.evalCount).toBeLessThan(1000);
    expect(sim.stats()).toMatchObject({ active: 0, aborted: 1 });
    sim.setOptions({ tokensPerSecond: 0 });
    await expect(client.chat({ model: MODEL, messages: ask('next') })).resolves.toMatchObject({ done: true });
  });

  it('client.abort() cancels every open stream', async () => {
    const { client, sim } = await start({ parallel: 2, tokensPerSecond: 100 });
    const streams = await Promise.all(['a', 'b'].map((p) => client.generate({ model: MODEL, prompt: p, stream: true, options: { num_predict: 1000 } })));
    client.abort();
    for (const stream of streams) await expect(collect(stream as unknown as AsyncIterable<ChatResponse>)).rejects.toThrow(/abort/i);
    await sim.waitFor((r) => r.id === 2 && r.outcome === 'aborted');
    await sim.waitFor((r) => r.id === 1 && r.outcome === 'aborted');
    expect(sim.stats()).toMatchObject({ active: 0, aborted: 2 });
  });

  it('aborting a queued request removes it from the queue', async () => {
    const { client, sim } = await start({ parallel: 1, tokensPerSecond: 100 });
    const busy = await client.chat({ model: MODEL, messages: ask('busy'), stream: true, options: { num_predict: 1000 } });
    const queued = abortableClient(sim);
    const arrived = nextEvent(sim, 'request');
    const waiting = queued.client.chat({ model: MODEL, messages: ask('queued') });
    const record = await arrived;
    expect(sim.stats().queued).toBe(1);
    queued.controller.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
    expect(await sim.waitFor((r) => r.id === record.id)).toMatchObject({ outcome: 'aborted', startedAt: null });
    expect(sim.stats().queued).toBe(0);
    busy.abort();
    await sim.waitFor((r) => r.id === 1);
  });

  it('disconnectAfterTokens cuts the stream and the client sees an error', async () => {
    const { client, sim } = await start({ faults: { disconnectAfterTokens: 3 }, tokensPerSecond: 1000 });
    let received = 0;
    const reading = (async () => {
      for await (const part of await client.chat({ model: MODEL, messages: ask('cut me'), stream: true })) if (part.message.content) received += 1;
    })();
    await expect(reading).rejects.toThrow();
    expect(received).toBeLessThanOrEqual(3);
    expect(await sim.waitFor(() => true)).toMatchObject({ outcome: 'error', evalCount: 3 });
    await expect(client.generate({ model: MODEL, prompt: 'non-streaming' })).rejects.toThrow(/fetch failed/);
    expect(sim.stats()).toMatchObject({ errors: 2, active: 0 });
  });

  it('hang holds the request silently until the client gives up', async () => {
    const { sim } = await start({ faults: { hang: true } });
    const { client, controller } = abortableClient(sim);
    const started = nextEvent(sim, 'start');
    const call = client.chat({ model: MODEL, messages: ask('anyone there?'), stream: true });
    await started;
    expect(sim.stats().active).toBe(1);
    controller.abort();
    await expect(call).rejects.toThrow(/abort/i);
    expect(await sim.waitFor((r) => r.outcome === 'aborted')).toMatchObject({ status: 0, evalCount: 0 });
    expect(sim.stats().active).toBe(0);
  });

  it('waitFor rejects on timeout, resetStats clears ended records and counters', async () => {
    const { client, sim } = await start();
    await client.chat({ model: MODEL, messages: ask('hi') });
    await expect(sim.waitFor(() => false, 20)).rejects.toThrow(/no matching record/);
    sim.resetStats();
    expect(sim.records).toEqual([]);
    expect(sim.stats()).toMatchObject({ completed: 0, maxActive: 0, requests: {} });
  });
});
