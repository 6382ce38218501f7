import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeJsonValue, planReply, textTokenCount, type ReplyPlan, type ResponseFormat } from './ollama-simulator';

/**
 * A local simulator of the OpenAI chat-completions API (`POST /v1/chat/completions`,
 * `GET /v1/models`), standing in for a cloud provider or a llama.cpp/vLLM server in tests.
 * It follows the documented API (https://platform.openai.com/docs/api-reference/chat): server-sent
 * events for `stream: true` (`data: {chunk}` … `data: [DONE]`), `max_completion_tokens` (and the
 * older `max_tokens`), `n` choices, `response_format` json_object / json_schema, `tools` answered
 * with `tool_calls`, 400s that name the bad parameter in `{error: {message, type, param, code}}`,
 * and an `x-request-id` header on every response. It checks the bearer key when one is configured
 * and never stores or echoes it.
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
  /** The `x-request-id` sent back. */
  requestId: string;
  stream: boolean;
}

export interface OpenAISimulator {
  url: string;
  requests: OpenAISimRequest[];
  /** Most completions in progress at once since start. */
  maxActive(): number;
  setOptions(options: Partial<OpenAISimulatorOptions>): void;
  close(): Promise<void>;
}

/** The documented error object; `param` names the request field at fault (null when none). */
export interface OpenAIErrorBody {
  message: string;
  type: 'invalid_request_error' | 'server_error' | 'authentication_error';
  param: string | null;
  code: string | null;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAIErrorBody,
  ) {
    super(body.message);
  }
}

const invalid = (message: string, param: string | null, code: string | null = null): ApiError => new ApiError(400, { message, type: 'invalid_request_error', param, code });

const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];
const MAX_N = 128;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const jsonType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'decimal') : typeof value);

function numberParam(body: Json, name: string, min: number, max: number, integer: boolean): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const kind = integer ? 'integer' : 'decimal';
  if (typeof value !== 'number' || (integer && !Number.isInteger(value))) {
    throw invalid(`Invalid type for '${name}': expected ${integer ? 'an integer' : 'a decimal'}, but got ${jsonType(value) === 'integer' ? 'a decimal' : `a ${jsonType(value)}`} instead.`, name, 'invalid_type');
  }
  if (value > max) throw invalid(`Invalid '${name}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`, name, `${kind}_above_max_value`);
  if (value < min) throw invalid(`Invalid '${name}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`, name, `${kind}_below_min_value`);
  return value;
}

interface ChatMessage {
  role: string;
  content: string;
}

function parseMessages(body: Json): ChatMessage[] {
  const { messages } = body;
  if (messages === undefined) throw invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) throw invalid(`Invalid type for 'messages': expected an array of objects, but got a ${jsonType(messages)} instead.`, 'messages', 'invalid_type');
  if (messages.length === 0) throw invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  return messages.map((message: unknown, i) => {
    if (!isObject(message)) throw invalid(`Invalid type for 'messages[${i}]': expected an object, but got a ${jsonType(message)} instead.`, `messages[${i}]`, 'invalid_type');
    if (message.role === undefined) throw invalid(`Missing required parameter: 'messages[${i}].role'.`, `messages[${i}].role`, 'missing_required_parameter');
    if (!MESSAGE_ROLES.includes(String(message.role))) {
      throw invalid(`Invalid value: '${String(message.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`, `messages[${i}].role`, 'invalid_value');
    }
    const { content } = message;
    if (content === undefined && message.role !== 'assistant') throw invalid(`Missing required parameter: 'messages[${i}].content'.`, `messages[${i}].content`, 'missing_required_parameter');
    const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((part: unknown) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('') : '';
    return { role: String(message.role), content: text };
  });
}

/** `response_format`: text (undefined), json_object ('json'), or json_schema (its schema). */
function parseResponseFormat(body: Json, messages: readonly ChatMessage[]): ResponseFormat {
  const format = body.response_format;
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw invalid(`Invalid type for 'response_format': expected an object, but got a ${jsonType(format)} instead.`, 'response_format', 'invalid_type');
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      // Documented: JSON mode needs the word "JSON" somewhere in the messages.
      if (!messages.some((m) => /json/i.test(m.content))) {
        throw invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
      }
      return 'json';
    case 'json_schema': {
      const spec = format.json_schema;
      if (!isObject(spec)) throw invalid("Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema', 'missing_required_parameter');
      if (typeof spec.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(spec.name)) {
        throw invalid("Missing required parameter: 'response_format.json_schema.name'.", 'response_format.json_schema.name', 'missing_required_parameter');
      }
      return isObject(spec.schema) ? spec.schema : { type: 'object', properties: {} };
    }
    case undefined:
      throw invalid("Missing required parameter: 'response_format.type'.", 'response_format.type', 'missing_required_parameter');
    default:
      throw invalid(`Invalid value: '${String(format.type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`, 'response_format.type', 'invalid_value');
  }
}

interface ToolSpec {
  name: string;
  parameters: Json;
}

type ToolChoice = 'none' | 'auto' | 'required' | { name: string };

function parseTools(body: Json): { tools: ToolSpec[]; toolChoice: ToolChoice } {
  const { tools, tool_choice: choice } = body;
  if (tools !== undefined && !Array.isArray(tools)) throw invalid(`Invalid type for 'tools': expected an array of objects, but got a ${jsonType(tools)} instead.`, 'tools', 'invalid_type');
  const specs = (tools ?? []).map((tool: unknown, i): ToolSpec => {
    const fn = isObject(tool) ? tool.function : undefined;
    if (!isObject(tool) || tool.type !== 'function') throw invalid(`Invalid value: '${isObject(tool) ? String(tool.type) : ''}'. Supported values are: 'function'.`, `tools[${i}].type`, 'invalid_value');
    if (!isObject(fn) || typeof fn.name !== 'string') throw invalid(`Missing required parameter: 'tools[${i}].function.name'.`, `tools[${i}].function.name`, 'missing_required_parameter');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(fn.name)) {
      throw invalid(`Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `tools[${i}].function.name`, 'invalid_value');
    }
    return { name: fn.name, parameters: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} } };
  });
  if (choice === undefined || choice === null) return { tools: specs, toolChoice: specs.length > 0 ? 'auto' : 'none' };
  if (specs.length === 0) throw invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
  if (choice === 'none' || choice === 'auto' || choice === 'required') return { tools: specs, toolChoice: choice };
  const name = isObject(choice) && isObject(choice.function) ? choice.function.name : undefined;
  if (typeof name !== 'string') throw invalid("Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a named function.", 'tool_choice', 'invalid_value');
  if (!specs.some((tool) => tool.name === name)) throw invalid(`Invalid value for 'tool_choice': function '${name}' is not among 'tools'.`, 'tool_choice', 'invalid_value');
  return { tools: specs, toolChoice: { name } };
}

interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  n: number;
  maxTokens: number | undefined;
  format: ResponseFormat;
  stop: string[];
  tools: ToolSpec[];
  toolChoice: ToolChoice;
}

function parseCompletionRequest(body: Json): CompletionRequest {
  if (typeof body.model !== 'string' || body.model === '') throw invalid('you must provide a model parameter', null);
  const messages = parseMessages(body);
  numberParam(body, 'temperature', 0, 2, false);
  numberParam(body, 'top_p', 0, 1, false);
  numberParam(body, 'frequency_penalty', -2, 2, false);
  numberParam(body, 'presence_penalty', -2, 2, false);
  const n = numberParam(body, 'n', 1, MAX_N, true) ?? 1;
  // max_tokens is the deprecated spelling; max_completion_tokens is the current one.
  const maxTokens = numberParam(body, 'max_completion_tokens', 1, 1_000_000, true) ?? numberParam(body, 'max_tokens', 1, 1_000_000, true);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalid(`Invalid type for 'stream': expected a boolean, but got a ${jsonType(body.stream)} instead.`, 'stream', 'invalid_type');
  const stream = body.stream === true;
  if (body.stream_options !== undefined && body.stream_options !== null && !stream) throw invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === 'string') : [];
  if (stop.length > 4) throw invalid(`Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${stop.length} instead.`, 'stop', 'array_above_max_length');
  return {
    model: body.model,
    messages,
    stream,
    includeUsage: stream && isObject(body.stream_options) && body.stream_options.include_usage === true,
    n,
    maxTokens,
    format: parseResponseFormat(body, messages),
    stop,
    ...parseTools(body),
  };
}

// ───────────────────────────── answers ─────────────────────────────

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface Choice {
  index: number;
  /** Content pieces (one per token), or none when the choice calls a tool. */
  pieces: string[];
  toolCall: ToolCall | undefined;
  finishReason: 'stop' | 'length' | 'tool_calls';
  completionTokens: number;
}

const randomId = (prefix: string, length: number): string => `${prefix}${randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length)}`;

/** Documented: each message costs its content plus ~3 tokens of framing, and the reply is primed with 3 more. */
function promptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + 3 + textTokenCount(m.content), 3);
}

/** With tool_choice `auto` the model calls the first tool for a user turn and answers in text after a tool result. */
function callsTool(request: CompletionRequest): ToolSpec | undefined {
  const { toolChoice, tools } = request;
  if (toolChoice === 'none' || tools.length === 0) return undefined;
  if (typeof toolChoice === 'object') return tools.find((tool) => tool.name === toolChoice.name);
  if (toolChoice === 'auto' && request.messages.at(-1)?.role === 'tool') return undefined;
  return tools[0];
}

function answer(request: CompletionRequest, index: number): Choice {
  const conversation = [request.messages.map((m) => [m.role, m.content]), index];
  const tool = callsTool(request);
  if (tool) {
    const args = JSON.stringify(fakeJsonValue(tool.parameters, JSON.stringify([request.model, conversation, tool.name])));
    const toolCall: ToolCall = { id: randomId('call_', 24), type: 'function', function: { name: tool.name, arguments: args } };
    return { index, pieces: [], toolCall, finishReason: 'tool_calls', completionTokens: textTokenCount(args) + 3 };
  }
  const plan: ReplyPlan = planReply({ model: request.model, conversation, format: request.format, numPredict: request.maxTokens, defaultMaxTokens: 64, stop: request.stop });
  return { index, pieces: plan.tokens, toolCall: undefined, finishReason: plan.doneReason, completionTokens: plan.evalCount };
}

function usage(prompt: number, choices: readonly Choice[]): Json {
  const completion = choices.reduce((sum, c) => sum + c.completionTokens, 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

const SYSTEM_FINGERPRINT = 'fp_civicos_sim';

function completionBody(id: string, request: CompletionRequest, choices: readonly Choice[]): Json {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: choices.map((c) => ({
      index: c.index,
      message: { role: 'assistant', content: c.toolCall ? null : c.pieces.join(''), refusal: null, annotations: [], ...(c.toolCall ? { tool_calls: [c.toolCall] } : {}) },
      logprobs: null,
      finish_reason: c.finishReason,
    })),
    usage: usage(promptTokens(request.messages), choices),
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/** The chunks of a streamed completion, as the documented `chat.completion.chunk` objects. */
function completionChunks(id: string, request: CompletionRequest, choices: readonly Choice[]): Json[] {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (index: number, delta: Json, finishReason: string | null = null): Json => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: request.model,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
    ...(request.includeUsage ? { usage: null } : {}),
  });
  const chunks: Json[] = [];
  for (const c of choices) {
    if (c.toolCall) {
      const { id: callId, type, function: fn } = c.toolCall;
      chunks.push(chunk(c.index, { role: 'assistant', content: null, tool_calls: [{ index: 0, id: callId, type, function: { name: fn.name, arguments: '' } }], refusal: null }));
      for (const piece of fn.arguments.match(/.{1,8}/gs) ?? []) chunks.push(chunk(c.index, { tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    } else {
      chunks.push(chunk(c.index, { role: 'assistant', content: '', refusal: null }));
      for (const piece of c.pieces) chunks.push(chunk(c.index, { content: piece }));
    }
    chunks.push(chunk(c.index, {}, c.finishReason));
  }
  if (request.includeUsage) chunks.push({ ...chunk(0, {}), choices: [], usage: usage(promptTokens(request.messages), choices) });
  return chunks;
}

// ───────────────────────────── server ─────────────────────────────

const PARSE_ERROR =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";

export async function startOpenAISimulator(initial: OpenAISimulatorOptions = {}): Promise<OpenAISimulator> {
  let options: OpenAISimulatorOptions = { models: ['gpt-4.1-mini', 'qwen3-14b-q4_k_m'], ...initial };
  const requests: OpenAISimRequest[] = [];
  let active = 0;
  let maxActive = 0;

  const headers = (requestId: string, startedAt: number, contentType: string): http.OutgoingHttpHeaders => ({
    'content-type': contentType,
    'x-request-id': requestId,
    'openai-processing-ms': String(Date.now() - startedAt),
    'openai-version': '2020-10-01',
  });
  const send = (res: http.ServerResponse, requestId: string, startedAt: number, status: number, body: unknown): void => {
    res.writeHead(status, headers(requestId, startedAt, 'application/json')).end(JSON.stringify(body));
  };
  const sendError = (res: http.ServerResponse, requestId: string, startedAt: number, error: ApiError): void => send(res, requestId, startedAt, error.status, { error: error.body });

  const badKey = (req: http.IncomingMessage): ApiError | undefined => {
    if (options.apiKey === undefined) return undefined;
    const header = req.headers.authorization;
    if (header === `Bearer ${options.apiKey}`) return undefined;
    // The real message masks the key; this one never repeats any part of it.
    const message = header ? 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.' : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
    return new ApiError(401, { message, type: 'invalid_request_error', param: null, code: header ? 'invalid_api_key' : null });
  };

  const complete = (raw: string, req: http.IncomingMessage, res: http.ServerResponse, requestId: string, startedAt: number): void => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const json = isObject(body) ? body : {};
    const messages = Array.isArray(json.messages) ? (json.messages as unknown[]) : [];
    const record: OpenAISimRequest = {
      model: typeof json.model === 'string' ? json.model : '',
      authorized: badKey(req) === undefined,
      text: messages.map((m) => (isObject(m) && typeof m.content === 'string' ? m.content : '')).join('\n'),
      status: 200,
      requestId,
      stream: json.stream === true,
    };
    requests.push(record);
    const fail = (error: ApiError): void => {
      record.status = error.status;
      sendError(res, requestId, startedAt, error);
    };
    const auth = badKey(req);
    if (auth) return fail(auth);
    if (!isObject(body)) return fail(invalid(PARSE_ERROR, null));
    let request: CompletionRequest;
    try {
      request = parseCompletionRequest(body);
    } catch (error) {
      if (error instanceof ApiError) return fail(error);
      throw error;
    }
    if ((options.failNext ?? 0) > 0) {
      options = { ...options, failNext: (options.failNext ?? 0) - 1 };
      const status = options.failStatus ?? 500;
      return fail(new ApiError(status, { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null }));
    }
    if (!options.models?.includes(request.model)) {
      return fail(new ApiError(404, { message: `The model \`${request.model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' }));
    }
    const id = randomId('chatcmpl-', 29);
    const choices = Array.from({ length: request.n }, (_, index) => answer(request, index));
    active += 1;
    maxActive = Math.max(maxActive, active);
    setTimeout(() => {
      active -= 1;
      if (!request.stream) return send(res, requestId, startedAt, 200, completionBody(id, request, choices));
      res.writeHead(200, { ...headers(requestId, startedAt, 'text/event-stream; charset=utf-8'), 'cache-control': 'no-cache', connection: 'keep-alive' });
      for (const chunk of completionChunks(id, request, choices)) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      res.end('data: [DONE]\n\n');
    }, options.latencyMs ?? 0);
  };

  const server = http.createServer((req, res) => {
    const startedAt = Date.now();
    const requestId = `req_${randomBytes(16).toString('hex')}`;
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://simulator').pathname;
      if (req.method === 'GET' && path === '/v1/models') {
        const auth = badKey(req);
        if (auth) return sendError(res, requestId, startedAt, auth);
        return send(res, requestId, startedAt, 200, { object: 'list', data: (options.models ?? []).map((id) => ({ id, object: 'model', created: 1_745_000_000, owned_by: 'system' })) });
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') return complete(raw, req, res, requestId, startedAt);
      sendError(res, requestId, startedAt, new ApiError(404, { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error', param: null, code: null }));
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
