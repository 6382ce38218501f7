import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetch, type Fetch } from '../activities/inference/http-transport';
import { classifyInferenceError } from '../activities/inference/errors';
import { FAILURE } from '../common/failures';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { freePort } from '../deploy/temporal/dev-server';

/**
 * The inference activity's transport for the ollama client (node:http instead of the global
 * fetch), through the real ollama client: replies stream whole, connections are reused, and every
 * failure classifies as the same failure type it does through the global fetch.
 */

let sim: OllamaSimulator;
beforeAll(async () => {
  sim = await startOllamaSimulator({ tokensPerSecond: 0, ttftMs: 0 });
});
afterAll(async () => {
  await sim.close();
});

/** A scripted server: `handle` gets each request; `sockets` counts connections; `closed` resolves when a request's connection closes. */
async function scriptedServer(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; connections: () => number; closed: Promise<void>; close(): Promise<void> }> {
  let connections = 0;
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const server = http.createServer((req, res) => {
    req.socket.once('close', onClosed);
    handle(req, res);
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    closed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function chatText(fetch: Fetch, host: string, options: { model?: string; signal?: AbortSignal } = {}): Promise<string> {
  const client = new Ollama({ host, fetch: (input, init) => fetch(input, options.signal ? { ...init, signal: options.signal } : init) });
  const stream = await client.chat({ model: options.model ?? 'qwen3:14b', messages: [{ role: 'user', content: 'Summarise the week.' }], stream: true, options: { num_predict: 24 } });
  let text = '';
  for await (const part of stream) text += part.message?.content ?? '';
  return text;
}

/** The failure type a call ends with, through the given fetch. */
async function failureType(fetch: Fetch, host: string): Promise<string | undefined> {
  try {
    await chatText(fetch, host);
  } catch (error) {
    return classifyInferenceError(error, { host: 'test', model: 'qwen3:14b' }).type ?? undefined;
  }
  throw new Error('the call did not fail');
}

describe('the inference activity\'s HTTP transport (real ollama client)', () => {
  it('streams a reply whole, the same text as the global fetch gets, reusing one connection', async () => {
    const fetch = createHttpFetch();
    const viaGlobal = await chatText(globalThis.fetch, sim.url);
    const texts: string[] = [];
    for (let i = 0; i < 5; i++) texts.push(await chatText(fetch, sim.url));
    expect(texts.every((text) => text === viaGlobal && text.length > 0)).toBe(true);
    // One connection for the five calls: the keep-alive pool serves them.
    const server = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      res.end(`${JSON.stringify({ model: 'm', message: { role: 'assistant', content: 'hi' }, done: false })}\n${JSON.stringify({ model: 'm', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' })}\n`);
    });
    try {
      for (let i = 0; i < 5; i++) expect(await chatText(fetch, server.url)).toBe('hi');
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('reads a long fast reply in order while the reader is slower than the socket (read-ahead pauses the socket)', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => `${JSON.stringify({ model: 'm', message: { role: 'assistant', content: `${i},` }, done: false })}\n`);
    const server = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      for (const line of lines) res.write(line);
      res.end(`${JSON.stringify({ model: 'm', message: { role: 'assistant', content: '' }, done: true })}\n`);
    });
    try {
      const client = new Ollama({ host: server.url, fetch: createHttpFetch() });
      const stream = await client.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
      let text = '';
      for await (const part of stream) {
        text += part.message?.content ?? '';
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(text).toBe(lines.map((_, i) => `${i},`).join(''));
    } finally {
      await server.close();
    }
  });

  it('an error reply surfaces as the ollama client\'s ResponseError with the host\'s message (JSON or text)', async () => {
    const fetch = createHttpFetch();
    const missing = await chatText(fetch, sim.url, { model: 'not-installed:7b' }).catch((error: unknown) => error);
    expect(missing).toMatchObject({ name: 'ResponseError', status_code: 404 });
    expect(classifyInferenceError(missing, { host: 'sim', model: 'not-installed:7b' }).type).toBe(FAILURE.modelNotFound);
    const server = await scriptedServer((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('upstream runner crashed');
    });
    try {
      const error = await chatText(fetch, server.url).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ResponseError', status_code: 502, message: 'upstream runner crashed' });
      expect(classifyInferenceError(error, { host: 'x', model: 'm' }).type).toBe(FAILURE.hostError);
    } finally {
      await server.close();
    }
  });

  it('a host that refuses connections: fetch failed, cause ECONNREFUSED, ModelHostUnreachable — as through the global fetch', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await chatText(createHttpFetch(), url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(await failureType(createHttpFetch(), url)).toBe(FAILURE.hostUnreachable);
    expect(await failureType(globalThis.fetch, url)).toBe(FAILURE.hostUnreachable);
  });

  it('a connection lost mid-reply, or before the reply\'s head: StreamInterrupted — as through the global fetch', async () => {
    const midReply = await scriptedServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ model: 'm', message: { role: 'assistant', content: 'partial' }, done: false })}\n`, () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const beforeHead = await scriptedServer((req) => req.socket.destroy());
    try {
      for (const server of [midReply, beforeHead]) {
        expect(await failureType(createHttpFetch(), server.url)).toBe(FAILURE.streamInterrupted);
        expect(await failureType(globalThis.fetch, server.url)).toBe(FAILURE.streamInterrupted);
      }
      const error = await chatText(createHttpFetch(), midReply.url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe('terminated');
    } finally {
      await midReply.close();
      await beforeHead.close();
    }
  });

  it('an abort before the reply\'s head rejects with the signal\'s reason and closes the connection', async () => {
    const server = await scriptedServer(() => undefined); // never answers
    try {
      const controller = new AbortController();
      const call = chatText(createHttpFetch(), server.url, { signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const reason = new Error('stalled: first_token');
      controller.abort(reason);
      await expect(call).rejects.toBe(reason);
      await server.closed;
    } finally {
      await server.close();
    }
  });

  it('an abort while the reply streams rejects the pending read with the signal\'s reason and closes the connection', async () => {
    let socket: Socket | undefined;
    const server = await scriptedServer((req, res) => {
      socket = req.socket;
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ model: 'm', message: { role: 'assistant', content: 'first' }, done: false })}\n`);
      // …and nothing more: a stalled generation.
    });
    try {
      const controller = new AbortController();
      const client = new Ollama({ host: server.url, fetch: (input, init) => createHttpFetch()(input, { ...init, signal: controller.signal }) });
      const stream = await client.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
      const parts: string[] = [];
      const reading = (async () => {
        for await (const part of stream) {
          parts.push(part.message.content);
          controller.abort(new Error('pre-empted'));
        }
      })();
      await expect(reading).rejects.toThrow('pre-empted');
      expect(parts).toEqual(['first']);
      await server.closed;
      expect(socket?.destroyed).toBe(true);
    } finally {
      await server.close();
    }
  });
});
