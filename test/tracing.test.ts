import { SpanStatusCode } from '@opentelemetry/api';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitInference } from '../client/submit-inference';
import { tracingClientInterceptor } from '../client/tracing';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startPlatform } from './support/platform';
import { testSpans } from './support/spans';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';
import donorDigest from '../examples/payloads/donor-digest.json';

let temporal: TestTemporal;
let ollama: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-tracing' });
  ollama = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
  platform = await startPlatform(temporal, [{ name: 'trace-host', url: ollama.url, slots: 2, simulated: true }]);
});
afterAll(async () => {
  await platform?.stop();
  await ollama?.close();
  await temporal?.close();
});

describe('traces from client to model call', () => {
  it('client start → (headers through the workflow) → inference activity → model call: one trace, parent by parent', async () => {
    const client = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter, interceptors: { workflow: [tracingClientInterceptor] } });
    const secret = `trace me ${uniqueId('prompt')}`;
    const submission = await submitInference(client, { ...donorDigest, user_prompt: secret, idempotency_key: uniqueId('trace') });
    await submission.handle.result();
    const spans = await eventually(() => {
      const all = testSpans().getFinishedSpans();
      const start = all.find((s) => s.name === 'StartWorkflow:inferenceRequest' && s.attributes['temporal.workflow_id'] === submission.workflowId);
      const activity = start && all.find((s) => s.name === 'RunActivity:runInference' && s.spanContext().traceId === start.spanContext().traceId);
      const model = activity && all.find((s) => s.name === 'model.call' && s.parentSpanContext?.spanId === activity.spanContext().spanId);
      return start && activity && model ? { start, activity, model, all } : undefined;
    }, { what: 'the three spans' });
    expect(spans.activity.parentSpanContext?.spanId).toBe(spans.start.spanContext().spanId);
    expect(spans.model.attributes).toMatchObject({ 'civicos.model': 'qwen3:14b', 'civicos.host': 'trace-host', 'civicos.outcome': 'ok' });
    // The happy path's route is resolved by the lane worker inside that activity: no routing local activity.
    expect(spans.all.filter((s) => s.spanContext().traceId === spans.start.spanContext().traceId).map((s) => s.name)).not.toContain('RunActivity:loadRoutingMatrix');
    expect(JSON.stringify(spans.all.map((s) => ({ name: s.name, attributes: s.attributes })))).not.toContain(secret);
  });

  it('a duplicate submit attaches to the run: its start span is not an error, and says it found the run', async () => {
    const client = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, dataConverter: temporal.dataConverter, interceptors: { workflow: [tracingClientInterceptor] } });
    const payload = { ...donorDigest, user_prompt: `trace twice ${uniqueId('prompt')}`, idempotency_key: uniqueId('trace-dup') };
    const first = await submitInference(client, payload);
    const second = await submitInference(client, payload);
    expect(second.runId).toBe(first.runId);
    const starts = await eventually(() => {
      const found = testSpans().getFinishedSpans().filter((s) => s.name === 'StartWorkflow:inferenceRequest' && s.attributes['temporal.workflow_id'] === first.workflowId);
      return found.length === 2 ? found : undefined;
    }, { what: 'both start spans' });
    expect(starts.map((s) => s.status.code)).not.toContain(SpanStatusCode.ERROR);
    expect(starts.map((s) => s.attributes['temporal.workflow_already_started'] ?? false).sort()).toEqual([false, true]);
    await first.handle.result();
  });
});
