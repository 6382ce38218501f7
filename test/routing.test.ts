import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRoutingEvents } from '../activities/routing';
import { RoutingStore } from '../activities/routing-store';
import { runSmokeTest } from '../client/smoke';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import type { RoutingMatrixInput } from '../common/routing-matrix';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startOpenAISimulator, type OpenAISimulator } from '../deploy/dev/openai-simulator';
import { startPlatform } from './support/platform';
import { connectTest, uniqueId, type TestTemporal } from './support/temporal';

const CLOUD_KEY = 'sk-test-civicos-cloud-key-0123456789abcdef';
let temporal: TestTemporal;
let ollama: OllamaSimulator;
let cloud: OpenAISimulator;
let pilot: OpenAISimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let store: RoutingStore;

function testMatrix(overrides: (m: RoutingMatrixInput) => void = () => undefined): RoutingMatrixInput {
  const m = JSON.parse(JSON.stringify(DEFAULT_ROUTING_MATRIX)) as RoutingMatrixInput;
  m.providers['cloud-openai']!.baseUrl = cloud.url;
  m.providers['cloud-openai']!.apiKeyEnv = 'CIVICOS_TEST_CLOUD_KEY';
  m.providers['llamacpp-pilot']!.baseUrl = pilot.url;
  overrides(m);
  return m;
}

const payload = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  agent_id: 'routing-test',
  calling_skill: 'routing',
  model: 'local/qwen-14b',
  priority: 'high',
  lane: 'prod',
  task_class: 'summary',
  system_prompt: '',
  user_prompt: `route me ${uniqueId('r')}`,
  max_tokens: 64,
  callback: 'none',
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as ApplicationFailure;
}

beforeAll(async () => {
  process.env.CIVICOS_TEST_CLOUD_KEY = CLOUD_KEY;
  temporal = await connectTest({ namespace: 'test-routing' });
  ollama = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
  cloud = await startOpenAISimulator({ apiKey: CLOUD_KEY });
  pilot = await startOpenAISimulator();
  platform = await startPlatform(temporal, [{ name: 'routing-host', url: ollama.url, slots: 2, simulated: true }]);
  store = new RoutingStore(platform.env.dataDir);
});
beforeEach(() => {
  // Simulator faults merge; name the one this file sets to clear it.
  ollama.setOptions({ faults: { missingModels: [] } });
  store.set(testMatrix(), 'test');
});
afterAll(async () => {
  await platform?.stop();
  await ollama?.close();
  await cloud?.close();
  await pilot?.close();
  await temporal?.close();
  delete process.env.CIVICOS_TEST_CLOUD_KEY;
});

describe('routing through the matrix (real Temporal, simulated Ollama and cloud)', () => {
  it('names the matrix version and route that served the request', async () => {
    const version = store.current().version;
    const result = await (await submitInference(temporal.client, payload())).handle.result();
    expect(result).toMatchObject({ route: 'local/qwen-14b', model: 'qwen3:14b', matrixVersion: version, fallbacks: [] });
  });

  it('falls back along the chain when the primary model is missing, recording the typed reason', async () => {
    ollama.setOptions({ faults: { missingModels: ['qwen3:14b'] } });
    const { handle, workflowId } = await submitInference(temporal.client, payload());
    const result = await handle.result();
    expect(result.route).toBe('local/mistral-small');
    expect(result.fallbacks).toEqual([expect.objectContaining({ from: 'local/qwen-14b', to: 'local/mistral-small', reason: 'model_missing' })]);
    const events = readRoutingEvents(platform.env.dataDir).filter((e) => e.workflowId === workflowId);
    expect(events).toEqual([expect.objectContaining({ kind: 'fallback', reason: 'model_missing', from: 'local/qwen-14b' })]);
  });

  it('a quality-gate failure (cut JSON) goes down the chain; cloud is then allowed because local failed', async () => {
    // max_tokens 4 cuts a JSON reply on every route: the cloud honours max_tokens like OpenAI's API does.
    const { handle, workflowId } = await submitInference(temporal.client, payload({ format: 'json', max_tokens: 4 }));
    const cause = await failure(handle.result());
    expect(cause.type).toBe('AllRoutesFailed');
    const fallbacks = cause.details?.[0] as Array<{ from: string; reason: string; detail: string }>;
    expect(fallbacks.map((f) => `${f.from}:${f.reason}`)).toEqual(['local/qwen-14b:quality_gate', 'local/mistral-small:quality_gate', 'cloud/premium:quality_gate']);
    expect(fallbacks.at(-1)!.detail).toMatch(/truncated by max_tokens/);
    const allowed = readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId && e.kind === 'cloud_allowed');
    expect(allowed).toMatchObject({ reason: 'local_gate_failed', taskClass: 'summary' });
    // Called the way OpenAI's JSON mode requires: the word "JSON" is in the messages (else a 400).
    expect(cloud.requests.at(-1)).toMatchObject({ authorized: true, status: 200, text: expect.stringMatching(/JSON/) });
  });

  it('when no local route can serve, the cloud serves the JSON reply and its cost is recorded', async () => {
    ollama.setOptions({ faults: { missingModels: ['qwen3:14b', 'mistral-small3.2:24b'] } });
    const { handle, workflowId } = await submitInference(temporal.client, payload({ format: 'json', max_tokens: 200 }));
    const result = await handle.result();
    expect(result.fallbacks!.map((f) => `${f.from}:${f.reason}`)).toEqual(['local/qwen-14b:model_missing', 'local/mistral-small:model_missing']);
    expect(result).toMatchObject({ route: 'cloud/premium', provider: 'openai-compatible', host: 'cloud-openai', doneReason: 'stop' });
    expect(JSON.parse(result.text)).toHaveProperty('summary');
    expect(result.costUsd).toBeGreaterThan(0);
    const allowed = readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId && e.kind === 'cloud_allowed');
    expect(allowed).toMatchObject({ reason: 'local_gate_failed', taskClass: 'summary' });
  });

  it('refuses cloud without premium class, failed local or director, and logs the refusal', async () => {
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium' }));
    const cause = await failure(handle.result());
    expect(cause.type).toBe('AllRoutesFailed');
    const refusal = readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId);
    expect(refusal).toMatchObject({ kind: 'cloud_refused', reason: 'policy_refused', taskClass: 'summary' });
  });

  it.each([
    ['a premium task class', { task_class: 'premium_synthesis' }, 'premium_task_class'],
    ['a director request', { director_request: { requested_by: 'director.okafor', reason: 'board pack tonight' } }, 'director_request'],
  ])('allows cloud for %s, logging task class and reason', async (_name, extra, reason) => {
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium', ...extra }));
    const result = await handle.result();
    expect(result.route).toBe('cloud/premium');
    expect(readRoutingEvents(platform.env.dataDir).find((e) => e.workflowId === workflowId && e.kind === 'cloud_allowed')).toMatchObject({ reason });
  });

  it('refuses cloud spending past the envelope', async () => {
    store.set(testMatrix((m) => (m.cloud.monthlyBudgetUsd = 0.0000001)), 'test');
    const { handle, workflowId } = await submitInference(temporal.client, payload({ model: 'cloud/premium', task_class: 'premium_synthesis' }));
    const cause = await failure(handle.result());
    expect(cause.message).toMatch(/cloud\/premium: budget_exceeded/);
    expect(readRoutingEvents(platform.env.dataDir).some((e) => e.workflowId === workflowId && e.reason === 'budget_exceeded')).toBe(true);
  });

  it('keeps the cloud key out of results, history, ledgers and logs', async () => {
    const { handle } = await submitInference(temporal.client, payload({ model: 'cloud/premium', task_class: 'premium_synthesis' }));
    const result = await handle.result();
    const history = JSON.stringify(await handle.fetchHistory());
    expect(JSON.stringify(result)).not.toContain(CLOUD_KEY);
    expect(history).not.toContain(CLOUD_KEY);
    const ledgerFiles = fs.readdirSync(path.join(platform.env.dataDir, 'ledger'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    for (const file of ledgerFiles) expect(fs.readFileSync(path.join(file.parentPath, file.name), 'utf8')).not.toContain(CLOUD_KEY);
  });

  it('keeps the non-Ollama pilot out of prod and serves experimental work with it', async () => {
    const prodResult = await (await submitInference(temporal.client, payload({ model: 'pilot/llamacpp-qwen' }))).handle.result();
    expect(prodResult.route).toBe('local/qwen-14b');
    expect(prodResult.fallbacks?.[0]).toMatchObject({ from: 'pilot/llamacpp-qwen', reason: 'lane_forbidden' });
    const expResult = await (
      await submitInference(temporal.client, payload({ model: 'pilot/llamacpp-qwen', lane: 'experimental', priority: 'normal', experiment_tag: 'exp-pilot', success_criteria: 'answers' }))
    ).handle.result();
    expect(expResult).toMatchObject({ route: 'pilot/llamacpp-qwen', host: 'llamacpp-pilot', provider: 'openai-compatible' });
  });

  it('rollback restores the previous version and the smoke test passes on it', async () => {
    const before = store.current().version;
    store.set(testMatrix((m) => (m.aliases['local/qwen-14b']!.model = 'qwen2.5:14b')), 'test');
    expect((await runSmokeTest(temporal.client)).result?.model).toBe('qwen2.5:14b');
    expect(store.rollback('test')).toEqual({ version: before, from: before + 1 });
    const report = await runSmokeTest(temporal.client);
    expect(report.ok).toBe(true);
    expect(report.result).toMatchObject({ route: 'local/qwen-14b', model: 'qwen3:14b', matrixVersion: before });
  });
});
