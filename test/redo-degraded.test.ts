import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingStore } from '../stores/routing-store';
import { startCivicWorkflow } from '../client/civic-workflows';
import type { RoutingMatrixInput } from '../common/routing-matrix';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startPlatform } from './support/platform';
import { connectTest, type TestTemporal } from './support/temporal';
import { civicosAgainst } from './support/fixtures';

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;

/** `npx civicos …` from the repo, as an operator runs it. */
function civicos(args: string[]): Promise<{ code: number; out: string }> {
  return civicosAgainst({ address: temporal.address, namespace: temporal.namespace, dataDir: platform.env.dataDir }, args);
}

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-redo-degraded' });
  sim = await startOllamaSimulator({ parallel: 2, tokensPerSecond: 0 });
  platform = await startPlatform(temporal, [{ name: 'redo-host', url: sim.url, slots: 2, simulated: true }]);
  // No usable cloud (its key variable is unset), and never the internet.
  const m = JSON.parse(JSON.stringify(DEFAULT_ROUTING_MATRIX)) as RoutingMatrixInput;
  m.providers['cloud-openai']!.baseUrl = 'http://127.0.0.1:9/v1';
  m.providers['cloud-openai']!.apiKeyEnv = 'CIVICOS_CLOUD_KEY_TEST_REDO_UNSET';
  new RoutingStore(platform.env.dataDir).set(m, 'test');
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await temporal?.close();
});

describe('civicos run --redo-degraded', () => {
  it('runs a key whose completed run was degraded again, rewriting its output behind latest; a healthy run is left alone', async () => {
    const date = '2026-10-06';
    const read = (relative: string): string => fs.readFileSync(path.join(platform.env.dataDir, 'outputs', relative), 'utf8');
    sim.setOptions({ faults: { missingModels: ['qwen3:14b', 'mistral-small3.2:24b'] } });
    const degraded = await startCivicWorkflow(temporal.client, 'donor-digest', { date });
    expect(await degraded.handle.result()).toMatchObject({ source: 'template' });
    expect(read('donor-digest/latest.json')).toContain(`donor-digest:${date}`);
    sim.setOptions({ faults: { missingModels: [] } });

    // Without the flag a rerun attaches to the degraded run (the business key ran).
    const plain = await civicos(['run', 'donor-digest', '--date', date, '--wait', '--json']);
    expect(plain.code, plain.out).toBe(0);
    expect((JSON.parse(plain.out.trim().split('\n').pop()!) as { result: { source: string } }).result.source).toBe('template');

    const redo = await civicos(['run', 'donor-digest', '--date', date, '--redo-degraded', '--wait', '--json']);
    expect(redo.code, redo.out).toBe(0);
    const redone = JSON.parse(redo.out.trim().split('\n').pop()!) as { workflowId: string; redone: boolean; result: { source: string; markdownPath: string } };
    expect(redone).toMatchObject({ workflowId: `donor-digest:${date}`, redone: true, result: { source: 'model' } });
    const latest = JSON.parse(read('donor-digest/latest.json')) as { markdown: string };
    expect(latest.markdown).toBe(redone.result.markdownPath);
    expect(read(latest.markdown)).not.toMatch(/Figures only \(no model was available\)/);
    expect(read(latest.markdown)).toMatch(/qwen3:14b \(simulated Ollama\)/);

    // The redone run is healthy: asking again redoes nothing.
    const again = await civicos(['run', 'donor-digest', '--date', date, '--redo-degraded', '--json']);
    expect(JSON.parse(again.out.trim().split('\n').pop()!)).toMatchObject({ redone: false, status: 'COMPLETED' });
    expect((await temporal.client.workflow.count(`WorkflowId = "donor-digest:${date}"`)).count).toBe(2);
  }, 120_000);
});
