import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';

/**
 * The `fetch` the inference activity gives the ollama client: node:http(s) on a keep-alive agent,
 * with the reply's body read chunk by chunk, instead of the global fetch (undici and WHATWG
 * streams). The ollama client reads `ok`, `status`, `statusText`, `headers.get`, `json()`, `text()`
 * and `body.getReader()`; that is what a reply has. A streamed model call costs about half a
 * millisecond less this way (bench:overhead, the lane activity's model call: p50 1.65 → 1.1 ms).
 *
 * Failures keep fetch's shapes, which `classifyInferenceError` reads:
 *   - no connection could be made: `TypeError('fetch failed', { cause })`, the cause being the
 *     socket's error (code ECONNREFUSED, ENOTFOUND, EHOSTUNREACH, …);
 *   - a connection that was made is lost (before the reply's head or while its body streams):
 *     `TypeError('terminated', { cause })`;
 *   - the request's signal aborts (before the reply or while reading it): the signal's reason.
 * No timeout of its own: the call watchdog owns a call's deadlines and aborts through the signal.
 */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

type ReadResult = { done: false; value: Uint8Array } | { done: true; value: undefined };

/** Chunks read ahead of the reader before the socket is paused. */
const READ_AHEAD = 64;

export function createHttpFetch(): Fetch {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  return (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) return Promise.reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) }));
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Response>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(url, { method: init?.method ?? 'GET', headers: plainHeaders(init?.headers), agent });
      let connected = false;
      let reply: BodyReader | undefined;
      const lost = (cause: unknown): Error => (signal?.aborted ? (signal.reason as Error) : new TypeError(connected ? 'terminated' : 'fetch failed', { cause }));
      const onAbort = (): void => {
        request.destroy();
        reply?.fail(signal!.reason as Error);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('socket', (socket) => {
        // A socket from the keep-alive pool is connected already.
        if (!socket.connecting) connected = true;
        else socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => (connected = true));
      });
      request.on('error', (error) => {
        reply?.fail(lost(error));
        reject(lost(error));
      });
      request.on('response', (response) => {
        reply = new BodyReader(response, lost);
        response.once('end', () => signal?.removeEventListener('abort', onAbort));
        resolve(replyOf(response, reply));
      });
      request.end(typeof init?.body === 'string' ? init.body : undefined);
    });
  };
}

/** The body as the ollama client reads it: `getReader().read()` until done, or whole via `text()`. */
class BodyReader {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private failure: Error | undefined;
  private waiting: { resolve(result: ReadResult): void; reject(error: Error): void } | undefined;

  constructor(
    private readonly response: http.IncomingMessage,
    lost: (cause: unknown) => Error,
  ) {
    response.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      if (this.chunks.length >= READ_AHEAD) response.pause();
      this.settle();
    });
    response.on('end', () => {
      this.ended = true;
      this.settle();
    });
    response.on('error', (error) => this.fail(lost(error)));
    // Closed without its end: the connection was lost mid-body (or the request destroyed).
    response.on('close', () => {
      if (!this.ended) this.fail(lost(new Error('other side closed')));
    });
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.failure ??= error;
    this.settle();
  }

  read(): Promise<ReadResult> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.settle();
    });
  }

  async text(): Promise<string> {
    const parts: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await this.read();
      if (done) return Buffer.concat(parts).toString('utf8');
      parts.push(value);
    }
  }

  cancel(): void {
    this.response.destroy();
  }

  private settle(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    const chunk = this.chunks.shift();
    if (chunk) {
      this.waiting = undefined;
      if (this.chunks.length === 0 && this.response.isPaused()) this.response.resume();
      waiting.resolve({ done: false, value: chunk });
    } else if (this.failure) {
      this.waiting = undefined;
      waiting.reject(this.failure);
    } else if (this.ended) {
      this.waiting = undefined;
      waiting.resolve({ done: true, value: undefined });
    }
  }
}

function replyOf(response: http.IncomingMessage, body: BodyReader): Response {
  const status = response.statusCode ?? 0;
  const reply = {
    ok: status >= 200 && status < 300,
    status,
    statusText: response.statusMessage ?? '',
    headers: { get: (name: string): string | null => headerValue(response.headers[name.toLowerCase()]) },
    body: { getReader: () => ({ read: () => body.read(), releaseLock: () => undefined, cancel: async () => body.cancel() }) },
    text: () => body.text(),
    json: async () => JSON.parse(await body.text()) as unknown,
  };
  return reply as unknown as Response;
}

function headerValue(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

function plainHeaders(headers: RequestInit['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(headers as Iterable<[string, string]>);
  return headers as Record<string, string>;
}
