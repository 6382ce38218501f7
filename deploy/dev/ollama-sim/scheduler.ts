/** Ollama simulator, the scheduler: parallel slots, a bounded FIFO queue, model loading, streaming and faults. */
import { EventEmitter } from 'node:events';
import type * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BUSY_MESSAGE, DEFAULTS, type GenerationOutcome, type GenerationPath, type GenerationRecord, type ResolvedOptions, type RuntimeOptions, type SimulatorEvents, type SimulatorOptions, type SimulatorStats } from './types';
import { MODIFIED_AT, type ModelCard, modelCard, modelDetails, normalizeModelName, registryName } from './models';
import { type ReplyPlan, type Rng, isRecord, planReply, planScriptedReply, seededRng, textTokenCount, tokenIds } from './replies';
import { BadRequest, DEFAULT_KEEP_ALIVE_MS, type GenerationRequest, optionsError, parseGenerationRequest, parseJsonBody, parseKeepAlive, promptTokenCount, readBody } from './request-parsing';
import { chatBodyFromOpenAI, chatCompletionChunk, elapsedNs, embedding, openaiError, openaiModel, openaiUsage, partBody, sendError, sendJson, sendText, showBody, sseEvent } from './responses';

type Phase = 'queued' | 'active' | 'done';

interface Generation {
  record: GenerationRecord;
  request: GenerationRequest;
  res: http.ServerResponse;
  phase: Phase;
  timer: NodeJS.Timeout | undefined;
  plan: ReplyPlan | undefined;
  sent: number;
  text: string;
  /** Non-streaming: the thinking so far. */
  thinking: string;
  disconnectAfter: number | undefined;
  arrivedNs: bigint;
  startedNs: bigint;
  firstTokenNs: bigint;
  /** performance.now() of the first token, for pacing. */
  firstTokenAt: number;
  intervalMs: number;
}

interface LoadedModel {
  card: ModelCard;
  /** null: kept forever. */
  expiresAt: number | null;
  /** The runner's context size (num_ctx). */
  numCtx: number;
}

/** A negative keep_alive keeps the model loaded for Go's maximum duration (2^63-1 ns from now). */
const FOREVER_MS = 9_223_372_036_854;

function emptyStats(): SimulatorStats {
  return { requests: {}, active: 0, queued: 0, maxActive: 0, completed: 0, aborted: 0, errors: 0, rejectedBusy: 0, modelMissing: 0, badRequests: 0 };
}

export class Simulator {
  readonly events = new EventEmitter<SimulatorEvents>();
  records: GenerationRecord[] = [];
  private options: ResolvedOptions;
  private counters = emptyStats();
  private readonly queue: Generation[] = [];
  private active = 0;
  private nextId = 1;
  private faultRng: Rng;
  private failRemaining: number;
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly cards = new Map<string, ModelCard>();
  private pumping = false;

  constructor(options: SimulatorOptions) {
    this.options = resolveOptions(DEFAULTS, options);
    this.faultRng = seededRng(`faults:${this.options.seed}`);
    this.failRemaining = this.options.faults.failNextRequests ?? 0;
    this.events.setMaxListeners(0);
  }

  setOptions(partial: RuntimeOptions): void {
    this.options = resolveOptions(this.options, partial);
    if (partial.seed !== undefined) this.faultRng = seededRng(`faults:${this.options.seed}`);
    if (partial.faults && 'failNextRequests' in partial.faults) this.failRemaining = partial.faults.failNextRequests ?? 0;
    this.pump();
  }

  stats(): SimulatorStats {
    return { ...this.counters, requests: { ...this.counters.requests }, active: this.active, queued: this.queue.length };
  }

  resetStats(): void {
    this.counters = { ...emptyStats(), maxActive: this.active };
    this.records = this.records.filter((record) => record.endedAt === null);
  }

  async waitFor(predicate: (record: GenerationRecord) => boolean, timeoutMs = 5_000): Promise<GenerationRecord> {
    const past = this.records.find((record) => record.endedAt !== null && predicate(record));
    if (past) return past;
    return await new Promise((resolve, reject) => {
      const onEnd = (record: GenerationRecord): void => {
        if (!predicate(record)) return;
        clearTimeout(timer);
        this.events.off('end', onEnd);
        resolve(record);
      };
      const timer = setTimeout(() => {
        this.events.off('end', onEnd);
        reject(new Error(`ollama simulator: no matching record within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on('end', onEnd);
    });
  }

  readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    this.counters.requests[path] = (this.counters.requests[path] ?? 0) + 1;
    this.route(req.method ?? 'GET', path, req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) sendError(res, 500, `simulator: ${(error as Error).message}`);
    });
  };

  private async route(method: string, path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const key = `${method} ${path}`;
    if (key === 'GET /' || key === 'HEAD /') return sendText(res, 200, 'Ollama is running');
    if (key === 'GET /api/version') return sendJson(res, 200, { version: this.options.version });
    if (key === 'GET /api/tags') return sendJson(res, 200, { models: this.installedCards().map((card) => this.tagEntry(card)) });
    if (key === 'GET /api/ps') return sendJson(res, 200, { models: this.runningEntries() });
    if (key === 'POST /api/show') return this.show(await this.readJson(req, res), res);
    if (key === 'POST /api/embed') return this.embed(await this.readJson(req, res), res);
    if (key === 'GET /v1/models') return sendJson(res, 200, { object: 'list', data: this.installedCards().map(openaiModel) });
    if (method === 'GET' && path.startsWith('/v1/models/')) return this.openaiModelEntry(decodeURIComponent(path.slice('/v1/models/'.length)), res);
    if (key === 'POST /v1/chat/completions') return this.openaiChat(await readBody(req), res);
    if (key === 'POST /api/chat' || key === 'POST /api/generate') return this.generation(path as GenerationPath, await this.readJson(req, res), res);
    sendText(res, 404, '404 page not found', 'text/plain');
  }

  /** The parsed body, or undefined after answering 400. */
  private async readJson(req: http.IncomingMessage, res: http.ServerResponse): Promise<Record<string, unknown> | undefined> {
    try {
      return parseJsonBody(await readBody(req));
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      this.counters.badRequests += 1;
      sendError(res, 400, error.message);
      return undefined;
    }
  }

  // ── catalogue endpoints ──

  private installedNames(): string[] {
    const missing = new Set((this.options.faults.missingModels ?? []).map(normalizeModelName));
    return this.options.models.map(normalizeModelName).filter((name) => !missing.has(name));
  }

  private installedCards(): ModelCard[] {
    return this.installedNames().map((name) => this.card(name));
  }

  /** A card is a pure function of its name: built (and hashed) once, not on every lookup of a request. */
  private card(name: string): ModelCard {
    let card = this.cards.get(name);
    if (!card) this.cards.set(name, (card = modelCard(name)));
    return card;
  }

  private findModel(name: string): ModelCard | undefined {
    const wanted = normalizeModelName(name);
    return this.installedNames().includes(wanted) ? this.card(wanted) : undefined;
  }

  private tagEntry(card: ModelCard): Record<string, unknown> {
    return { name: card.name, model: card.name, modified_at: MODIFIED_AT, size: card.size, digest: card.digest, details: modelDetails(card) };
  }

  private runningEntries(): Array<Record<string, unknown>> {
    const now = Date.now();
    const entries: Array<Record<string, unknown>> = [];
    for (const [name, model] of this.loaded) {
      if (model.expiresAt !== null && model.expiresAt <= now) {
        this.loaded.delete(name);
        continue;
      }
      const { card } = model;
      // Like Ollama: the runner's memory (weights plus the KV cache for num_ctx), all of it in VRAM
      // on the GPU hosts this stands in for (a CPU-only Ollama reports size_vram 0); no modified_at.
      const size = card.size + model.numCtx * card.kvBytesPerToken;
      entries.push({
        name: card.name,
        model: card.name,
        size,
        digest: card.digest,
        details: modelDetails(card),
        expires_at: new Date(model.expiresAt ?? now + FOREVER_MS).toISOString(),
        size_vram: size,
        context_length: model.numCtx,
      });
    }
    return entries;
  }

  private show(body: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    if (!body) return;
    const name = typeof body.model === 'string' ? body.model : typeof body.name === 'string' ? body.name : '';
    if (!name) return sendError(res, 400, 'model is required');
    const card = this.findModel(name);
    if (!card) return sendError(res, 404, `model '${name}' not found`);
    sendJson(res, 200, showBody(card));
  }

  // ── /api/embed ──

  /** Answered at once: unlike Ollama, embeddings do not wait for a generation slot. */
  private embed(body: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    if (!body) return;
    const started = process.hrtime.bigint();
    const model = typeof body.model === 'string' ? body.model : '';
    const { input } = body;
    const inputs = typeof input === 'string' ? (input ? [input] : []) : Array.isArray(input) ? input : input === undefined || input === null ? [] : undefined;
    if (!inputs || inputs.some((item) => typeof item !== 'string')) return sendError(res, 400, 'invalid input type');
    if (!model) return sendError(res, 404, "model '' not found");
    const card = this.findModel(model);
    if (!card) return sendError(res, 404, `model ${JSON.stringify(model)} not found, try pulling it first`);
    const error = optionsError(isRecord(body.options) ? body.options : {});
    if (error) return sendError(res, 500, error);
    this.markLoaded(card, { keepAliveMs: parseKeepAlive(body.keep_alive), numCtx: undefined });
    if (inputs.length === 0) return sendJson(res, 200, { model, embeddings: [] });
    const dimensions = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(body.dimensions, card.shape.embeddingLength) : card.shape.embeddingLength;
    const texts = inputs as string[];
    const embeddings = texts.map((text) => embedding(card, text, dimensions));
    const total = elapsedNs(started, process.hrtime.bigint());
    sendJson(res, 200, { model, embeddings, total_duration: total, load_duration: Math.max(1, Math.floor(total / 2)), prompt_eval_count: texts.reduce((sum, text) => sum + textTokenCount(text), 0) });
  }

  private markLoaded(card: ModelCard, request: Pick<GenerationRequest, 'keepAliveMs' | 'numCtx'>): void {
    if (request.keepAliveMs === 0) {
      this.loaded.delete(card.name);
      return;
    }
    const ttl = request.keepAliveMs === undefined ? DEFAULT_KEEP_ALIVE_MS : request.keepAliveMs;
    // Each request runs with its num_ctx (else the model's); Ollama reloads the runner when it differs.
    const numCtx = request.numCtx ?? card.numCtx;
    this.loaded.set(card.name, { card, expiresAt: ttl === null ? null : Date.now() + ttl, numCtx });
  }

  // ── generation endpoints ──

  private generation(path: GenerationPath, body: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    if (!body) return;
    let request: GenerationRequest;
    try {
      request = parseGenerationRequest(path, body);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      this.counters.badRequests += 1;
      return sendError(res, 400, error.message);
    }
    this.dispatch(request, res);
  }

  /** Ollama's /v1/chat/completions: the request becomes a chat request, the answer OpenAI's shape. */
  private openaiChat(raw: string, res: http.ServerResponse): void {
    const refuse = (message: string): void => {
      this.counters.badRequests += 1;
      sendJson(res, 400, openaiError(400, message));
    };
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      return refuse((error as Error).message);
    }
    if (!isRecord(body)) return refuse('invalid request body: expected a JSON object');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return refuse("[] is too short - 'messages'");
    let request: GenerationRequest;
    try {
      request = parseGenerationRequest('/api/chat', chatBodyFromOpenAI(body));
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      return refuse(error.message);
    }
    const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
    request.openai = { id: `chatcmpl-${Math.floor(Math.random() * 999)}`, includeUsage };
    this.dispatch(request, res);
  }

  private openaiModelEntry(name: string, res: http.ServerResponse): void {
    const card = this.findModel(name);
    if (card) return sendJson(res, 200, openaiModel(card));
    sendJson(res, 404, openaiError(404, `model '${name}' not found`));
  }

  private dispatch(request: GenerationRequest, res: http.ServerResponse): void {
    const gen = this.admit(request, res);
    const card = this.findModel(request.model);
    if (!card) return this.reject(gen, 404, `model '${request.model}' not found`, 'model_missing');
    // Ollama's order: thinking, then the capabilities the request needs, then the options, then load.
    if (request.think && !card.capabilities.includes('thinking')) return this.reject(gen, 400, `${JSON.stringify(request.model)} does not support thinking`, 'error');
    if (request.tools && !card.capabilities.includes('tools')) return this.reject(gen, 400, `${registryName(card.name)} does not support tools`, 'error');
    if (request.optionsError) return this.reject(gen, 500, request.optionsError, 'error');
    request.promptEvalCount = promptTokenCount(card.template, request.promptMessages, request.raw);
    if (request.loadOnly) return this.answerLoad(gen, card);
    // The runner checks the format when it starts the completion, so a load-only request passes.
    if (request.formatError) return this.reject(gen, 500, request.formatError, 'error');
    const fault = this.drawFault();
    if (fault) return this.reject(gen, fault.status, fault.message, 'error');
    if (this.active < this.options.parallel && this.queue.length === 0) return this.start(gen);
    if (this.queue.length >= this.options.maxQueue) return this.reject(gen, 503, BUSY_MESSAGE, 'rejected_busy');
    this.queue.push(gen);
  }

  private admit(request: GenerationRequest, res: http.ServerResponse): Generation {
    const record: GenerationRecord = {
      id: this.nextId++,
      path: request.path,
      model: request.model,
      stream: request.stream,
      arrivedAt: Date.now(),
      startedAt: null,
      endedAt: null,
      outcome: null,
      status: 0,
      evalCount: 0,
      promptEvalCount: 0,
      doneReason: null,
      ...(this.options.capturePrompts ? { prompt: request.promptText } : {}),
    };
    const gen: Generation = {
      record,
      request,
      res,
      phase: 'queued',
      timer: undefined,
      plan: undefined,
      sent: 0,
      text: '',
      thinking: '',
      disconnectAfter: undefined,
      arrivedNs: process.hrtime.bigint(),
      startedNs: 0n,
      firstTokenNs: 0n,
      firstTokenAt: 0,
      intervalMs: 0,
    };
    this.records.push(record);
    res.on('close', () => this.onClientClose(gen));
    this.events.emit('request', record);
    return gen;
  }

  private drawFault(): { status: number; message: string } | undefined {
    const { faults } = this.options;
    // One draw per generation keeps the error sequence a function of the seed alone.
    const draw = this.faultRng();
    if (this.failRemaining > 0) {
      this.failRemaining -= 1;
      const status = faults.failStatus ?? 503;
      return { status, message: status === 503 ? BUSY_MESSAGE : `simulated failure (status ${status})` };
    }
    if ((faults.errorRate ?? 0) > draw) {
      return { status: faults.errorStatus ?? 500, message: 'llama runner process has terminated: simulated fault' };
    }
    return undefined;
  }

  private reject(gen: Generation, status: number, message: string, outcome: GenerationOutcome): void {
    gen.record.status = status;
    this.finish(gen, outcome);
    if (gen.request.openai) sendJson(gen.res, status, openaiError(status, message));
    else sendError(gen.res, status, message);
  }

  /** An empty prompt (or no messages) only loads, or with keep_alive 0 unloads, the model. */
  private answerLoad(gen: Generation, card: ModelCard): void {
    const unload = gen.request.keepAliveMs === 0;
    this.markLoaded(card, gen.request);
    gen.record.status = 200;
    gen.record.doneReason = unload ? 'unload' : 'load';
    this.finish(gen, 'completed');
    sendJson(gen.res, 200, { ...partBody(gen.request, ''), done: true, done_reason: gen.record.doneReason });
  }

  private start(gen: Generation): void {
    const { options } = this;
    gen.phase = 'active';
    this.active += 1;
    this.counters.maxActive = Math.max(this.counters.maxActive, this.active);
    gen.startedNs = process.hrtime.bigint();
    gen.record.startedAt = Date.now();
    const card = this.findModel(gen.request.model);
    if (card) this.markLoaded(card, gen.request);
    this.events.emit('start', gen.record);
    if (options.faults.hang) return;
    const script = options.scripted[gen.request.model];
    gen.plan = script ? planScriptedReply(script.reply(gen.request.promptText), gen.request.numPredict) : planReply({ ...gen.request, defaultMaxTokens: options.defaultMaxTokens });
    gen.record.promptEvalCount = gen.request.promptEvalCount;
    gen.disconnectAfter = options.faults.disconnectAfterTokens;
    const tokensPerSecond = script?.tokensPerSecond ?? options.tokensPerSecond;
    const instant = tokensPerSecond <= 0 || !Number.isFinite(tokensPerSecond);
    if (instant) return this.firstToken(gen, 0);
    gen.timer = setTimeout(() => this.firstToken(gen, 1000 / tokensPerSecond), Math.max(0, options.ttftMs));
  }

  private firstToken(gen: Generation, intervalMs: number): void {
    gen.firstTokenNs = process.hrtime.bigint();
    gen.firstTokenAt = performance.now();
    gen.intervalMs = intervalMs;
    this.tick(gen);
  }

  /** Emits every token that is due (all of them when instant) and schedules the next one. */
  private tick(gen: Generation): void {
    gen.timer = undefined;
    if (gen.phase !== 'active' || !gen.plan) return;
    const remaining = gen.plan.tokens.length - gen.sent;
    const elapsed = performance.now() - gen.firstTokenAt;
    const due = gen.intervalMs === 0 ? remaining : Math.floor(elapsed / gen.intervalMs) + 1 - gen.sent;
    if (!this.deliver(gen, Math.min(remaining, Math.max(1, due)))) return;
    if (gen.sent >= gen.plan.tokens.length) return this.complete(gen);
    const wait = gen.firstTokenAt + gen.sent * gen.intervalMs - performance.now();
    gen.timer = setTimeout(() => this.tick(gen), Math.max(0, wait));
  }

  /** Sends (or buffers) `count` tokens; false when the disconnect fault ended the generation. */
  private deliver(gen: Generation, count: number): boolean {
    const plan = gen.plan as ReplyPlan;
    const limit = gen.disconnectAfter ?? Number.POSITIVE_INFINITY;
    const first = gen.sent;
    const pieces = plan.tokens.slice(gen.sent, gen.sent + Math.min(count, Math.max(0, limit - gen.sent)));
    const isThinking = (i: number): boolean => first + i < (plan.thinking ?? 0);
    gen.sent += pieces.length;
    gen.record.evalCount = gen.sent;
    const cut = gen.sent >= limit && gen.sent < plan.tokens.length;
    // Finish first so the socket's close event is not mistaken for a client abort.
    if (cut) this.finish(gen, 'error');
    const destroy = cut ? (): void => void gen.res.socket?.destroy() : undefined;
    if (gen.request.stream) {
      this.writeLines(gen, pieces.map((piece, i) => (isThinking(i) ? partBody(gen.request, '', piece) : partBody(gen.request, piece))), destroy);
    } else {
      gen.text += pieces.filter((_, i) => !isThinking(i)).join('');
      gen.thinking += pieces.filter((_, i) => isThinking(i)).join('');
      destroy?.();
    }
    return !cut;
  }

  /** Writes NDJSON lines; `afterFlush` runs once they reached the socket. */
  private writeLines(gen: Generation, parts: Array<Record<string, unknown>>, afterFlush?: () => void): void {
    const { res } = gen;
    if (!res.headersSent) {
      gen.record.status = 200;
      res.writeHead(200, { 'Content-Type': gen.request.openai ? 'text/event-stream' : 'application/x-ndjson' });
    }
    const text = parts.map((part) => this.frame(gen, part)).join('');
    if (text) res.write(text, afterFlush);
    else afterFlush?.();
  }

  /** One NDJSON line, or for /v1 the server-sent events Ollama's middleware makes of it. */
  private frame(gen: Generation, part: Record<string, unknown>): string {
    const { request } = gen;
    if (!request.openai) return `${JSON.stringify(part)}\n`;
    const content = isRecord(part.message) && typeof part.message.content === 'string' ? part.message.content : '';
    if (part.done !== true) return sseEvent(chatCompletionChunk(request, content, null));
    const usage = openaiUsage(part);
    const usageEvent = request.openai.includeUsage ? sseEvent({ ...chatCompletionChunk(request, '', null), choices: [], usage }) : '';
    return `${sseEvent(chatCompletionChunk(request, content, String(part.done_reason)))}${usageEvent}data: [DONE]\n\n`;
  }

  private complete(gen: Generation): void {
    const plan = gen.plan as ReplyPlan;
    const endNs = process.hrtime.bigint();
    gen.record.doneReason = plan.doneReason;
    const final: Record<string, unknown> = {
      ...partBody(gen.request, gen.request.stream ? '' : gen.text, gen.request.stream ? '' : gen.thinking),
      done_reason: plan.doneReason,
      done: true,
      total_duration: elapsedNs(gen.arrivedNs, endNs),
      // Ollama measures load from the handler's start, so time spent queued shows up here.
      load_duration: elapsedNs(gen.arrivedNs, gen.startedNs),
      prompt_eval_count: gen.request.promptEvalCount,
      prompt_eval_duration: elapsedNs(gen.startedNs, gen.firstTokenNs),
      eval_count: plan.evalCount,
      eval_duration: elapsedNs(gen.firstTokenNs, endNs),
    };
    // `context` is the rendered prompt's tokens and the reply's; raw mode sends none.
    if (gen.request.path === '/api/generate' && !gen.request.raw) {
      const prompt = Array.from({ length: gen.request.promptEvalCount }, (_, i) => gen.request.promptWords[i] ?? `<${i}>`);
      final.context = tokenIds([...prompt, ...plan.tokens.slice(0, gen.sent)]);
    }
    const card = this.findModel(gen.request.model);
    if (card) this.markLoaded(card, gen.request);
    this.finish(gen, 'completed');
    if (gen.request.stream) {
      this.writeLines(gen, [final]);
      gen.res.end();
    } else if (gen.request.openai) {
      gen.record.status = 200;
      sendJson(gen.res, 200, {
        id: gen.request.openai.id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: gen.request.model,
        system_fingerprint: 'fp_ollama',
        choices: [{ index: 0, message: { role: 'assistant', content: gen.text }, finish_reason: plan.doneReason }],
        usage: openaiUsage(final),
      });
    } else {
      gen.record.status = 200;
      sendJson(gen.res, 200, final);
    }
  }

  private onClientClose(gen: Generation): void {
    if (gen.phase === 'done') return;
    const index = this.queue.indexOf(gen);
    if (index >= 0) this.queue.splice(index, 1);
    this.finish(gen, 'aborted');
  }

  /** Single exit: frees the slot, records the outcome, tells listeners, lets the queue move. */
  private finish(gen: Generation, outcome: GenerationOutcome): void {
    if (gen.phase === 'done') return;
    const wasActive = gen.phase === 'active';
    gen.phase = 'done';
    if (gen.timer) clearTimeout(gen.timer);
    gen.timer = undefined;
    if (wasActive) this.active -= 1;
    const evalCount = outcome === 'completed' && gen.plan && gen.sent >= gen.plan.tokens.length ? gen.plan.evalCount : gen.sent;
    Object.assign(gen.record, { endedAt: Date.now(), outcome, evalCount });
    this.count(outcome);
    this.events.emit('end', gen.record);
    if (wasActive) this.pump();
  }

  private count(outcome: GenerationOutcome): void {
    const field = ({ completed: 'completed', aborted: 'aborted', error: 'errors', rejected_busy: 'rejectedBusy', model_missing: 'modelMissing' } as const)[outcome];
    this.counters[field] += 1;
  }

  /** FIFO into free slots; re-entrant calls (instant replies finish synchronously) fold into the outer loop. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.active < this.options.parallel && this.queue.length > 0) this.start(this.queue.shift() as Generation);
    } finally {
      this.pumping = false;
    }
  }
}

function resolveOptions(base: ResolvedOptions, partial: SimulatorOptions): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as RuntimeOptions;
  const next: ResolvedOptions = { ...base, ...defined, faults: { ...base.faults, ...partial.faults } };
  if (!Number.isInteger(next.parallel) || next.parallel < 1) throw new RangeError(`parallel must be an integer >= 1, got ${next.parallel}`);
  if (!(next.maxQueue >= 0)) throw new RangeError(`maxQueue must be >= 0, got ${next.maxQueue}`);
  return next;
}
