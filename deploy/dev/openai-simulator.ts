import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local simulator of the OpenAI-compatible chat-completions API (`POST /v1/chat/completions`,
 * `GET /v1/models`), standing in for a cloud provider or a llama.cpp/vLLM server in tests.
 * It checks the bearer key when one is configured and never stores it.
 */
export interface OpenAISimulatorOptions {
  /** Expected API key; requests without it get 401. Undefined: no auth (a local server). */
  apiKey?: string;
  models?: string[];
  /** The next N completions fail with `failStatus` (default 500). */
  failNext?: number;
  failStatus?: number;
  /** Time a completion takes before it is sent (default 0), to observe concurrency. */
  latencyMs?: number;
}

export interface OpenAISimRequest {
  model: string;
  authorized: boolean;
  /** Concatenated message contents, for leak checks. */
  text: string;
  status: number;
}

export interface OpenAISimulator {
  url: string;
  requests: OpenAISimRequest[];
  /** Most completions in progress at once since start. */
  maxActive(): number;
  setOptions(options: Partial<OpenAISimulatorOptions>): void;
  close(): Promise<void>;
}

export async function startOpenAISimulator(initial: OpenAISimulatorOptions = {}): Promise<OpenAISimulator> {
  let options: OpenAISimulatorOptions = { models: ['gpt-4.1-mini', 'qwen3-14b-q4_k_m'], ...initial };
  const requests: OpenAISimRequest[] = [];
  let active = 0;
  let maxActive = 0;
  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const authorized = options.apiKey === undefined || req.headers.authorization === `Bearer ${options.apiKey}`;
      if (req.method === 'GET' && req.url === '/v1/models') {
        send(res, authorized ? 200 : 401, authorized ? { object: 'list', data: (options.models ?? []).map((id) => ({ id, object: 'model', owned_by: 'simulator' })) } : { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        send(res, 404, { error: { message: `Unknown request URL: ${req.method} ${req.url}`, type: 'invalid_request_error' } });
        return;
      }
      let body: { model?: string; messages?: Array<{ content?: string }>; max_tokens?: number; response_format?: { type?: string } };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        send(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error' } });
        return;
      }
      const record: OpenAISimRequest = { model: body.model ?? '', authorized, text: (body.messages ?? []).map((m) => m.content ?? '').join('\n'), status: 200 };
      requests.push(record);
      if (!authorized) {
        record.status = 401;
        send(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
        return;
      }
      if ((options.failNext ?? 0) > 0) {
        options = { ...options, failNext: (options.failNext ?? 0) - 1 };
        record.status = options.failStatus ?? 500;
        send(res, record.status, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
        return;
      }
      if (!options.models?.includes(body.model ?? '')) {
        record.status = 404;
        send(res, 404, { error: { message: `The model \`${body.model}\` does not exist`, type: 'invalid_request_error', code: 'model_not_found' } });
        return;
      }
      const words = ['Summary:', 'the', 'board', 'asked', 'for', 'a', 'clear', 'decision', 'on', 'the', 'grant', 'renewal.'];
      const maxTokens = Math.max(1, body.max_tokens ?? 64);
      const json = body.response_format?.type === 'json_object';
      const content = json ? JSON.stringify({ summary: words.join(' ') }) : words.slice(0, Math.min(words.length, maxTokens)).join(' ');
      const completionTokens = json ? 14 : Math.min(words.length, maxTokens);
      active += 1;
      maxActive = Math.max(maxActive, active);
      setTimeout(() => {
        active -= 1;
        send(res, 200, {
          id: `chatcmpl-sim-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: completionTokens >= maxTokens && !json ? 'length' : 'stop' }],
          usage: { prompt_tokens: Math.ceil(record.text.length / 4), completion_tokens: completionTokens, total_tokens: Math.ceil(record.text.length / 4) + completionTokens },
        });
      }, options.latencyMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    maxActive: () => maxActive,
    setOptions(partial) {
      options = { ...options, ...partial };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
