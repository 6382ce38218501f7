import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startOpenAISimulator, type OpenAISimulator } from '../deploy/dev/openai-simulator';
import { RoutingStore } from '../stores/routing-store';
import type { RoutingMatrixInput } from '../common/routing-matrix';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { startCivicWorkflow } from '../client/civic-workflows';
import { pauseLanes, resumeLanes } from '../platform/lane-admin';
import { ALL_SEARCH_ATTRIBUTES, SA } from '../common/search-attributes';
import type { WorkflowName } from '../common/workflow-contracts';
import { startAlertReceiver } from './support/alert-receiver';
import { runCliCaptured } from './support/cli';
import { startPlatform } from './support/platform';
import { connectTest, eventually, type TestTemporal } from './support/temporal';
import { failureCause } from './support/fixtures';

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;
/** The cloud of this file: the matrix points cloud/premium here, so no test can reach the internet whatever keys the environment holds. */
let cloud: OpenAISimulator;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-civic-workflows' });
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.TEMPORAL_NAMESPACE = temporal.namespace;
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  receiver = await startAlertReceiver();
  platform = await startPlatform(temporal, [{ name: 'sim-a', url: sim.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url } });
  // The cloud refuses the key this file gives it (401), so a cloud fallback fails fast, offline.
  cloud = await startOpenAISimulator({ apiKey: 'sk-civic-test-expected-key' });
  process.env.CIVICOS_CLOUD_KEY_TEST_CIVIC = 'sk-civic-test-other-key';
  const matrix = JSON.parse(JSON.stringify(DEFAULT_ROUTING_MATRIX)) as RoutingMatrixInput;
  matrix.providers['cloud-openai'] = { ...matrix.providers['cloud-openai']!, baseUrl: cloud.url, apiKeyEnv: 'CIVICOS_CLOUD_KEY_TEST_CIVIC' };
  new RoutingStore(platform.env.dataDir).set(matrix, 'test');
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await receiver?.close();
  await cloud?.close();
  delete process.env.CIVICOS_CLOUD_KEY_TEST_CIVIC;
  await temporal?.close();
});

const outputs = (): string => path.join(platform.env.dataDir, 'outputs');
const read = (relative: string): string => fs.readFileSync(path.join(outputs(), relative), 'utf8');

async function run(workflow: WorkflowName, input: Record<string, string>) {
  const start = await startCivicWorkflow(temporal.client, workflow, input);
  return { ...start, result: (await start.handle.result()) as Record<string, unknown> & { markdownPath: string; workflowId: string } };
}

describe('the CivicOS workflows end to end (real Temporal, simulated Ollama)', () => {
  it('a run that misses its deadline fails with WorkflowDeadlineExceeded and alerts', async () => {
    // The model lane is paused, so the run waits for its model call until the (shortened) deadline.
    await pauseLanes(temporal.client, { lanes: 'prod', reason: 'deadline test', by: 'test' });
    try {
      const start = await startCivicWorkflow(temporal.client, 'donor-digest', { date: '2026-10-05', deadline: '3s' });
      const error = await start.handle.result().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(failureCause(error, 'innermost')).toMatchObject({ type: 'WorkflowDeadlineExceeded', message: expect.stringMatching(/deadline of 3s/) });
      const alert = await eventually(() => receiver.alerts.find((a) => a.kind === 'workflow_failed' && a.subject === 'donor-digest:2026-10-05'), { what: 'workflow_failed alert' });
      expect(alert.details).toMatchObject({ errorType: 'WorkflowDeadlineExceeded' });
      expect(fs.existsSync(path.join(outputs(), 'donor-digest', '2026-10-05'))).toBe(false);
    } finally {
      await resumeLanes(temporal.client, { lanes: 'prod', by: 'test' });
    }
  });


  it.each([
    ['donor-digest', { date: '2026-11-24' }, 'donor-digest:2026-11-24', /# Donor digest: week ending 2026-11-24[\s\S]*Lindqvist Family Fund/],
    ['grant-deadline-watch', { date: '2026-11-24' }, 'grant-deadline-watch:2026-11-24', /# Grant deadline watch: 2026-11-24[\s\S]*Civic Futures Foundation/],
    ['ops-monitor', { date: '2026-11-24' }, 'ops-monitor:2026-11-24', /# Ops monitor: 2026-11-24[\s\S]*destination volume full/],
    ['decision-brief', { decisionId: 'crm-migration-2027' }, 'decision-brief:crm-migration-2027', /# Decision brief: Which donor CRM[\s\S]*hosted non-profit CRM/],
    ['pilot-grant-summary', { date: '2026-11-24' }, 'pilot-grant-summary:2026-11-24', /# Pilot pilot-grant-json: 2026-11-24[\s\S]*```json/],
  ] as const)('%s runs end to end and writes its outputs and latest pointer', async (workflow, input, workflowId, content) => {
    const { result, handle } = await run(workflow, input);
    expect(result.workflowId).toBe(workflowId);
    expect(read(result.markdownPath)).toMatch(content);
    expect(read(result.markdownPath)).toMatch(/qwen3:14b \(simulated Ollama\)/);
    const json = JSON.parse(read(result.markdownPath.replace(/\.md$/, '.json'))) as { workflowId: string };
    expect(json.workflowId).toBe(workflowId);
    const latest = JSON.parse(read(`${workflow}/latest.json`)) as { workflowId: string; markdown: string };
    expect(latest).toMatchObject({ workflowId, markdown: result.markdownPath });

    // Operators filter by these in the Web UI; none carries prompt text.
    const attributes = (await handle.describe()).typedSearchAttributes;
    const prod = workflow !== 'pilot-grant-summary';
    expect(attributes.get(SA.Lane)).toBe(prod ? 'prod' : 'experimental');
    expect(attributes.get(SA.CivicPriority)).toBe(workflow === 'ops-monitor' ? 'urgent' : prod ? 'high' : 'normal');
    expect(attributes.get(SA.JobType)).toBe(workflow);
    expect(attributes.get(SA.CallingSkill)).toBe(workflow);
    expect(attributes.get(SA.AgentId)).toMatch(/^civicos-/);
    expect(attributes.get(SA.Model)).toBe('qwen3:14b');
    expect(attributes.get(SA.ExperimentTag)).toBe(prod ? undefined : 'pilot-grant-json');
    for (const key of ALL_SEARCH_ATTRIBUTES) {
      const value = attributes.get(key);
      if (value !== undefined) expect(String(value), key.name).toMatch(/^[A-Za-z0-9._:/-]{1,64}$/);
    }
  });

  it('the pilot records its success criteria', async () => {
    const { result } = await run('pilot-grant-summary', { date: '2026-11-25' });
    expect(result).toMatchObject({ experimentTag: 'pilot-grant-json', criteriaMet: true });
    expect((result.criteria as unknown[]).length).toBe(3);
  });

  it('the same business key twice makes one run and identical output', async () => {
    const completedBefore = sim.stats().completed;
    const first = await run('donor-digest', { date: '2026-11-17' });
    const files = [first.result.markdownPath, first.result.markdownPath.replace(/\.md$/, '.json'), 'donor-digest/latest.json'].map((f) => path.join(outputs(), f));
    const before = files.map((f) => [fs.readFileSync(f, 'utf8'), fs.statSync(f).mtimeMs]);
    const second = await run('donor-digest', { date: '2026-11-17' });
    expect(second.result).toEqual(first.result);
    expect(files.map((f) => [fs.readFileSync(f, 'utf8'), fs.statSync(f).mtimeMs])).toEqual(before);
    expect((await temporal.client.workflow.count('WorkflowId = "donor-digest:2026-11-17"')).count).toBe(1);
    expect(sim.stats().completed - completedBefore).toBe(1);
    // latest points at the newest date, not at this older rerun.
    expect(JSON.parse(read('donor-digest/latest.json'))).toMatchObject({ date: '2026-11-24' });
  });

  it('`civicos run` starts under the business key, attaches on a rerun, and refuses bad input (exit 2)', async () => {
    const first = await runCliCaptured('run', 'ops-monitor', '--date', '2026-11-05', '--wait', '--json');
    expect(first.code).toBe(0);
    const result = (JSON.parse(first.out) as { workflowId: string; result: { events: number } });
    expect(result).toMatchObject({ workflowId: 'ops-monitor:2026-11-05', result: { events: 0 } });
    const again = await runCliCaptured('run', 'ops-monitor', '--date', '2026-11-05');
    expect(again).toEqual({ code: 0, out: 'ops-monitor:2026-11-05: COMPLETED\n' });
    const bad = await runCliCaptured('run', 'ops-monitor', '--date', '2026-13-01');
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/invalid ops-monitor input:\n {2}- date: must be a real calendar date/);
    expect((await runCliCaptured('run', 'comms-draft', '--date', '2026-11-05')).out).toMatch(/campaignId: is required/);
    expect((await runCliCaptured('run', 'nightly-cron')).code).toBe(2);
  });

  it('five concurrent starts of one key make one run', async () => {
    const starts = await Promise.all(Array.from({ length: 5 }, () => startCivicWorkflow(temporal.client, 'grant-deadline-watch', { date: '2026-11-10' })));
    const results = await Promise.all(starts.map((s) => s.handle.result()));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect((await temporal.client.workflow.count('WorkflowId = "grant-deadline-watch:2026-11-10"')).count).toBe(1);
  });

  it('falls back to the fallback model, then to the data-only output (alerted)', async () => {
    try {
      sim.setOptions({ faults: { missingModels: ['qwen3:14b'] } });
      const viaFallback = await run('decision-brief', { decisionId: 'office-lease-2027' });
      expect(viaFallback.result.source).toBe('fallback-model');
      expect(read(viaFallback.result.markdownPath)).toMatch(/mistral-small3\.2:24b \(simulated Ollama\) \(fallback model\)/);
      expect((await viaFallback.handle.describe()).typedSearchAttributes.get(SA.Model)).toBe('mistral-small3.2:24b');

      sim.setOptions({ faults: { missingModels: ['qwen3:14b', 'mistral-small3.2:24b'] } });
      const cloudCalls = cloud.requests.length;
      const degraded = await run('donor-digest', { date: '2026-11-03' });
      expect(degraded.result.source).toBe('template');
      // After both local routes failed the chain tried the cloud: the simulator, never the internet.
      expect(cloud.requests.slice(cloudCalls)).toEqual([expect.objectContaining({ model: 'gpt-4.1-mini', authorized: false, status: 401 })]);
      expect(read(degraded.result.markdownPath)).toMatch(/Figures only \(no model was available\)/);
      const alert = await eventually(() => receiver.alerts.find((a) => a.kind === 'workflow_degraded' && a.subject === 'donor-digest:2026-11-03'), { what: 'degraded alert' });
      expect(alert.severity).toBe('warning');
    } finally {
      sim.setOptions({ faults: { missingModels: [] } });
    }
  });

  it('a failing prod workflow raises an alert with its ID and reason (webhook and log)', async () => {
    const { handle } = await startCivicWorkflow(temporal.client, 'decision-brief', { decisionId: 'no-such-decision' });
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(failureCause(error, 'innermost')).toMatchObject({ type: 'UnknownSourceRecord', nonRetryable: true });
    const alert = await eventually(() => receiver.alerts.find((a) => a.kind === 'workflow_failed' && a.subject === 'decision-brief:no-such-decision'), { what: 'failure alert' });
    expect(alert).toMatchObject({ severity: 'critical', lane: 'prod', details: { workflow: 'decision-brief', errorType: 'UnknownSourceRecord' } });
    expect(alert.message).toMatch(/decision-brief run decision-brief:no-such-decision failed: no decision "no-such-decision"/);
  });

  it('bad input started directly (temporal CLI path) fails typed and alerts', async () => {
    const handle = await temporal.client.workflow.start('opsMonitor', { taskQueue: 'civicos', workflowId: 'ops-monitor:not-a-date', args: [{ date: '24.11.2026' }] });
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(failureCause(error, 'innermost')).toMatchObject({ type: 'InvalidWorkflowInput', nonRetryable: true });
    expect(failureCause(error, 'innermost')?.message).toMatch(/date: must be a date YYYY-MM-DD/);
    await eventually(() => receiver.alerts.find((a) => a.subject === 'ops-monitor:not-a-date'), { what: 'failure alert' });
    // Started without attributes, the run set them itself.
    expect((await handle.describe()).typedSearchAttributes.get(SA.JobType)).toBe('ops-monitor');
  });

  it('critical ops events and imminent grant deadlines are alerted', async () => {
    // Attaches to the runs of the first test when they exist (same business keys).
    await run('ops-monitor', { date: '2026-11-24' });
    await run('grant-deadline-watch', { date: '2026-11-24' });
    const ops = receiver.alerts.find((a) => a.kind === 'ops_critical_events' && a.subject === 'ops-monitor:2026-11-24');
    expect(ops?.message).toMatch(/2 critical operations events on 2026-11-24/);
    const grants = receiver.alerts.find((a) => a.kind === 'grant_deadline_imminent' && a.subject === 'grant-deadline-watch:2026-11-24');
    expect(grants?.details).toMatchObject({ imminent: ['gr-civic-futures-2027'], overdue: ['gr-city-digital'] });
  });

  it("an operator's cancel ends the run without a failure alert", async () => {
    sim.setOptions({ faults: { hang: true } });
    try {
      const { handle, workflowId } = await startCivicWorkflow(temporal.client, 'ops-monitor', { date: '2026-11-01' });
      await eventually(() => sim.stats().active > 0, { what: 'model call under way' });
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect(receiver.alerts.some((a) => a.subject === workflowId && a.kind === 'workflow_failed')).toBe(false);
    } finally {
      sim.setOptions({ faults: { hang: false } });
    }
  });
});
