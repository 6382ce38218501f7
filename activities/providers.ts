import { ApplicationFailure, Context } from '@temporalio/activity';
import { FAILURE, PROVIDER_FAILURE } from '../common/failures';
import { inferenceTimeoutMs, type InferenceResult, type ProviderCallInput } from '../common/inference';
import type { JsonLogger } from '../platform/logger';
import { redactSecrets } from '../common/redact';
import { providerHostProblems, type Provider, type ProviderHostPolicy, type RoutingMatrix } from '../common/routing-matrix';
import { type CloudSpendLedger, CloudSpendUnreadableError, type SpendRecord } from '../stores/cloud-spend';
import type { Ledger } from '../stores/ledger';
import { chatMessages, completedRecord, completedResult, failedRecord, startAttempt, tokensPerSecond, type AttemptStart } from './model-call';

interface ChatCompletion {
  model?: string;
  choices?: Array<{ message?: { content?: string }; finish_reason?: string }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export interface ProviderCallerDeps {
  ledger: Ledger;
  spend: CloudSpendLedger;
  logger: JsonLogger;
  secret: (name: string) => string | undefined;
  /** Where providers may point (CIVICOS_LOCAL_PROVIDER_HOSTS, CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD). */
  hostPolicy: ProviderHostPolicy;
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
    const ctx = Context.current();
    const attempt = startAttempt(ctx.info, { workflowId: input.workflowId, request: input.request, model: input.route.model, host: input.route.provider, simulated: false, provider: 'openai-compatible' });
    try {
      return await callProvider(input, attempt, matrix, matrixVersion);
    } catch (error) {
      const errorType = error instanceof ApplicationFailure ? (error.type ?? 'ApplicationFailure') : error instanceof Error ? error.name : 'Error';
      await deps.ledger.append(failedRecord(attempt, ctx.cancellationSignal.aborted ? 'cancelled' : 'error', errorType));
      throw error;
    }
  };
}

function createCall(deps: ProviderCallerDeps) {
  return async function callProvider(input: ProviderCallInput, attempt: AttemptStart, matrix: RoutingMatrix, matrixVersion: number): Promise<InferenceResult> {
    const { request, route, workflowId } = input;
    const provider: Provider | undefined = matrix.providers[route.provider];
    if (!provider?.baseUrl) throw ApplicationFailure.nonRetryable(`provider ${route.provider} has no baseUrl in routing matrix v${matrixVersion}`, PROVIDER_FAILURE.misconfigured);
    const hostProblems = providerHostProblems(matrix, deps.hostPolicy, route.provider);
    if (hostProblems.length > 0) throw ApplicationFailure.nonRetryable(`routing matrix v${matrixVersion}: ${hostProblems.join('; ')}`, PROVIDER_FAILURE.misconfigured);
    const ctx = Context.current();
    const cloud = provider.placement === 'cloud';
    const estimate = cloud ? estimateCostUsd(provider, request.system_prompt.length + request.user_prompt.length, request.max_tokens) : 0;
    if (cloud) enforceEnvelope(readSpend(deps.spend), matrix, estimate, route.provider);
    const key = provider.apiKeyEnv ? deps.secret(provider.apiKeyEnv) : undefined;
    if (provider.apiKeyEnv && !key) {
      throw ApplicationFailure.nonRetryable(`provider ${route.provider}: environment variable ${provider.apiKeyEnv} is not set; set it on the workflow worker`, PROVIDER_FAILURE.keyMissing);
    }
    const startedAt = Date.now();
    let response: Response;
    try {
      response = await fetch(`${provider.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({
          model: route.model,
          messages: chatMessages(request, { jsonHint: true }),
          max_tokens: request.max_tokens,
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          ...(request.format === 'json' ? { response_format: { type: 'json_object' } } : {}),
        }),
        signal: AbortSignal.any([ctx.cancellationSignal, AbortSignal.timeout(inferenceTimeoutMs(request.max_tokens))]),
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
    const result = completedResult(request, attempt, { text, provider: 'openai-compatible', latencyMs, promptTokens, outputTokens, tokensPerSecond: tokensPerSecond(outputTokens, latencyMs / 1000), doneReason, costUsd });
    if (cloud) {
      deps.spend.append({ ts: new Date().toISOString(), workflowId, provider: route.provider, model: route.model, taskClass: request.task_class, reason: input.cloudReason ?? 'unknown', promptTokens, outputTokens, costUsd });
    }
    await deps.ledger.append(completedRecord(attempt, result));
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
