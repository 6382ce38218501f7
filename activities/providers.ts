import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { FAILURE } from '../common/contract';
import type { InferenceResult, ProviderCallInput } from '../common/inference';
import type { JsonLogger } from '../common/logger';
import { redactSecrets } from '../common/redact';
import { providerHostProblems, type Provider, type ProviderHostPolicy, type RoutingMatrix } from '../common/routing-matrix';
import { requestFields, type Ledger } from './ledger';

export const PROVIDER_FAILURE = {
  budgetExceeded: 'CloudBudgetExceeded',
  keyMissing: 'CloudKeyMissing',
  auth: 'ProviderAuthRefused',
  spendUnreadable: 'CloudSpendUnreadable',
} as const;

interface SpendRecord {
  ts: string;
  workflowId: string;
  provider: string;
  model: string;
  taskClass: string;
  reason: string;
  promptTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** The month's cloud spend cannot be read, so the envelope cannot be checked: cloud use is refused. */
export class CloudSpendUnreadableError extends Error {
  override readonly name = 'CloudSpendUnreadable';
}

function isSpendRecord(value: unknown): value is SpendRecord {
  const r = value as Partial<SpendRecord> | null;
  return typeof r === 'object' && r !== null && typeof r.ts === 'string' && typeof r.costUsd === 'number' && Number.isFinite(r.costUsd);
}

/** Cloud spend, one JSON line per call: `<data>/ledger/cloud/YYYY-MM.jsonl`. */
export class CloudSpendLedger {
  private readonly dir: string;
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'ledger', 'cloud');
  }
  append(record: SpendRecord): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.appendFileSync(path.join(this.dir, `${record.ts.slice(0, 7)}.jsonl`), `${JSON.stringify(record)}\n`);
  }
  /**
   * The month's records. No file yet is no spend; an unreadable file or a bad line throws
   * `CloudSpendUnreadableError` naming the file and line: reading it as $0 would lift the cap.
   */
  month(now: Date): SpendRecord[] {
    const file = path.join(this.dir, `${now.toISOString().slice(0, 7)}.jsonl`);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CloudSpendUnreadableError(`cloud spend unreadable: ${file}: ${(error as Error).message}`);
    }
    return text.split('\n').flatMap((line, index) => {
      if (!line.trim()) return [];
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new CloudSpendUnreadableError(`cloud spend unreadable: ${file}:${index + 1} is not valid JSON (truncated write?); fix or remove that line`);
      }
      if (!isSpendRecord(value)) throw new CloudSpendUnreadableError(`cloud spend unreadable: ${file}:${index + 1} is not a spend record (needs ts and a numeric costUsd); fix or remove that line`);
      return [value];
    });
  }
}

export interface ProviderCallerDeps {
  ledger: Ledger;
  spend: CloudSpendLedger;
  logger: JsonLogger;
  secret: (name: string) => string | undefined;
  /** Where providers may point (CIVICOS_LOCAL_PROVIDER_HOSTS, CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD). */
  hostPolicy: ProviderHostPolicy;
}

interface ChatCompletion {
  model?: string;
  choices?: Array<{ message?: { content?: string }; finish_reason?: string }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/**
 * Calls an OpenAI-compatible chat-completions provider: the cloud, or the non-Ollama local pilot
 * (llama.cpp server, vLLM). The API key comes from the environment variable the matrix names and
 * never reaches a log, an error or a search attribute. Cloud spend is checked against the
 * matrix's envelope before the call and recorded after it.
 */
export function createProviderCaller(deps: ProviderCallerDeps) {
  const callProvider = createCall(deps);
  /** Every attempt goes to the inference ledger, failed ones too (with the failure's type). */
  return async function runProvider(input: ProviderCallInput, matrix: RoutingMatrix, matrixVersion: number): Promise<InferenceResult> {
    const startedAt = Date.now();
    try {
      return await callProvider(input, matrix, matrixVersion);
    } catch (error) {
      const ctx = Context.current();
      const cancelled = ctx.cancellationSignal.aborted;
      await deps.ledger.append({
        ts: new Date(startedAt).toISOString(),
        workflowId: input.workflowId,
        activityId: ctx.info.activityId,
        attempt: ctx.info.attempt,
        ...requestFields(input.request),
        model: input.route.model,
        host: input.route.provider,
        simulated: false,
        queueWaitMs: Math.max(0, startedAt - ctx.info.currentAttemptScheduledTimestampMs),
        latencyMs: Date.now() - startedAt,
        promptTokens: 0,
        outputTokens: 0,
        tokensPerSecond: 0,
        doneReason: null,
        outcome: cancelled ? 'cancelled' : 'error',
        errorType: error instanceof ApplicationFailure ? (error.type ?? 'ApplicationFailure') : error instanceof Error ? error.name : 'Error',
      });
      throw error;
    }
  };
}

function createCall(deps: ProviderCallerDeps) {
  return async function callProvider(input: ProviderCallInput, matrix: RoutingMatrix, matrixVersion: number): Promise<InferenceResult> {
    const { request, route, workflowId } = input;
    const provider: Provider | undefined = matrix.providers[route.provider];
    if (!provider?.baseUrl) throw ApplicationFailure.nonRetryable(`provider ${route.provider} has no baseUrl in routing matrix v${matrixVersion}`, 'ProviderMisconfigured');
    const hostProblems = providerHostProblems(matrix, deps.hostPolicy, route.provider);
    if (hostProblems.length > 0) throw ApplicationFailure.nonRetryable(`routing matrix v${matrixVersion}: ${hostProblems.join('; ')}`, 'ProviderMisconfigured');
    const ctx = Context.current();
    const cloud = provider.placement === 'cloud';
    const estimate = cloud ? estimateCostUsd(provider, request.system_prompt.length + request.user_prompt.length, request.max_tokens) : 0;
    if (cloud) enforceEnvelope(readSpend(deps.spend), matrix, estimate, route.provider);
    const key = provider.apiKeyEnv ? deps.secret(provider.apiKeyEnv) : undefined;
    if (provider.apiKeyEnv && !key) {
      throw ApplicationFailure.nonRetryable(`provider ${route.provider}: environment variable ${provider.apiKeyEnv} is not set; set it on the workflow worker`, PROVIDER_FAILURE.keyMissing);
    }
    const startedAt = Date.now();
    // OpenAI's JSON mode refuses (400) a conversation that never says "JSON"; say it when the prompts do not.
    const jsonHint = request.format === 'json' && !/json/i.test(`${request.system_prompt}\n${request.user_prompt}`) ? 'Reply with a JSON object.' : '';
    const system = [request.system_prompt, jsonHint].filter(Boolean).join('\n\n');
    const messages = [...(system ? [{ role: 'system', content: redactSecrets(system) }] : []), { role: 'user', content: redactSecrets(request.user_prompt) }];
    let response: Response;
    try {
      response = await fetch(`${provider.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({
          model: route.model,
          messages,
          max_tokens: request.max_tokens,
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          ...(request.format === 'json' ? { response_format: { type: 'json_object' } } : {}),
        }),
        signal: AbortSignal.any([ctx.cancellationSignal, AbortSignal.timeout(60_000 + request.max_tokens * 250)]),
      });
    } catch (error) {
      throw ApplicationFailure.retryable(`provider ${route.provider} unreachable: ${redactSecrets((error as Error).message)}`, FAILURE.hostUnreachable);
    }
    if (!response.ok) {
      const body = redactSecrets((await response.text().catch(() => '')).slice(0, 300));
      if (response.status === 401 || response.status === 403) throw ApplicationFailure.nonRetryable(`provider ${route.provider} refused the credentials (${response.status})`, PROVIDER_FAILURE.auth);
      if (response.status === 404) throw ApplicationFailure.nonRetryable(`provider ${route.provider}: model ${route.model} not found (${body})`, FAILURE.modelNotFound);
      if (response.status === 429 || response.status >= 500) throw ApplicationFailure.retryable(`provider ${route.provider} busy or failing (${response.status}: ${body})`, FAILURE.hostBusy);
      throw ApplicationFailure.nonRetryable(`provider ${route.provider} refused the request (${response.status}: ${body})`, FAILURE.badRequest);
    }
    const completion = (await response.json()) as ChatCompletion;
    const latencyMs = Date.now() - startedAt;
    const text = completion.choices?.[0]?.message?.content ?? '';
    const promptTokens = completion.usage?.prompt_tokens ?? 0;
    const outputTokens = completion.usage?.completion_tokens ?? 0;
    const costUsd = cloud ? round6(((provider.pricePer1kInputTokensUsd ?? 0) * promptTokens + (provider.pricePer1kOutputTokensUsd ?? 0) * outputTokens) / 1000) : 0;
    const doneReason = completion.choices?.[0]?.finish_reason === 'length' ? 'length' : 'stop';
    const result: InferenceResult = {
      text,
      requestedModel: request.model,
      model: route.model,
      provider: 'openai-compatible',
      host: route.provider,
      simulated: false,
      attempts: ctx.info.attempt,
      queueWaitMs: Math.max(0, startedAt - ctx.info.currentAttemptScheduledTimestampMs),
      modelLatencyMs: latencyMs,
      promptTokens,
      outputTokens,
      tokensPerSecond: latencyMs > 0 ? Math.round((outputTokens / (latencyMs / 1000)) * 10) / 10 : 0,
      doneReason,
      lane: request.lane,
      priority: request.priority,
      costUsd,
    };
    if (cloud) {
      deps.spend.append({ ts: new Date().toISOString(), workflowId, provider: route.provider, model: route.model, taskClass: request.task_class, reason: input.cloudReason ?? 'unknown', promptTokens, outputTokens, costUsd });
    }
    await deps.ledger.append({
      ts: new Date(startedAt).toISOString(),
      workflowId,
      activityId: ctx.info.activityId,
      attempt: ctx.info.attempt,
      ...requestFields(request),
      model: route.model,
      host: route.provider,
      simulated: false,
      queueWaitMs: result.queueWaitMs,
      latencyMs,
      promptTokens,
      outputTokens,
      tokensPerSecond: result.tokensPerSecond,
      doneReason,
      outcome: 'ok',
      errorType: null,
    });
    deps.logger.info(cloud ? 'cloud inference completed' : 'provider inference completed', { workflowId, provider: route.provider, model: route.model, taskClass: request.task_class, reason: input.cloudReason, costUsd, latencyMs });
    return result;
  };
}

function readSpend(spend: CloudSpendLedger): SpendRecord[] {
  try {
    return spend.month(new Date());
  } catch (error) {
    if (error instanceof CloudSpendUnreadableError) throw ApplicationFailure.nonRetryable(error.message, PROVIDER_FAILURE.spendUnreadable);
    throw error;
  }
}

function estimateCostUsd(provider: Provider, promptChars: number, maxTokens: number): number {
  return ((provider.pricePer1kInputTokensUsd ?? 0) * (promptChars / 4) + (provider.pricePer1kOutputTokensUsd ?? 0) * maxTokens) / 1000;
}

function enforceEnvelope(month: SpendRecord[], matrix: RoutingMatrix, estimateUsd: number, provider: string): void {
  const spent = month.reduce((sum, r) => sum + r.costUsd, 0);
  const today = new Date().toISOString().slice(0, 10);
  const todayCount = month.filter((r) => r.ts.startsWith(today)).length;
  if (spent + estimateUsd > matrix.cloud.monthlyBudgetUsd) {
    throw ApplicationFailure.nonRetryable(
      `cloud envelope: spent ${round6(spent)} USD of ${matrix.cloud.monthlyBudgetUsd} this month; this call (~${round6(estimateUsd)} USD on ${provider}) would exceed it`,
      PROVIDER_FAILURE.budgetExceeded,
    );
  }
  if (todayCount >= matrix.cloud.maxRequestsPerDay) {
    throw ApplicationFailure.nonRetryable(`cloud envelope: ${todayCount} cloud calls today, quota ${matrix.cloud.maxRequestsPerDay}`, PROVIDER_FAILURE.budgetExceeded);
  }
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;
