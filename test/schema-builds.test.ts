import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import type { schemaBuildsProbe } from './support/workflows';
import { inferencePayload } from './support/fixtures';
import { startPlatform } from './support/platform';
import { connectTest, uniqueId, type TestTemporal } from './support/temporal';

/**
 * The reusable V8 context evaluates every module a run imports again for that run (only preloaded
 * modules are shared, and no schema module is), so a schema built at module load costs every run
 * of every workflow. Each case runs one production
 * workflow inside a probe run (test/support/workflows/schema-builds.ts) and reads which schemas
 * that run built, and whether it loaded zod at all (`zod`: common/zod.ts), from common/lazy.ts.
 */
let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-schema-builds' });
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  platform = await startPlatform(temporal, [{ name: 'sim-a', url: sim.url, slots: 2, simulated: true }]);
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await temporal?.close();
});

async function buildsOf(...args: Parameters<typeof schemaBuildsProbe>) {
  return await temporal.client.workflow.execute<typeof schemaBuildsProbe>('schemaBuildsProbe', {
    taskQueue: WORKFLOW_TASK_QUEUE,
    workflowId: uniqueId('schema-builds'),
    args,
  });
}

describe('a workflow run builds only the schemas it uses (real Temporal, reusable V8 context)', () => {
  it('an inferenceRequest run validates its payload without zod: it loads no zod and builds no schema', async () => {
    const builds = await buildsOf('inferenceRequest', inferencePayload({ agent_id: 'schema-builds', calling_skill: 'schema-builds' }));
    expect(builds).toEqual({ atStart: [], atEnd: [] });
  });

  it("a donorDigest run builds its contract, its input and its model call's payload, none of another workflow's", async () => {
    const builds = await buildsOf('donorDigest', { date: '2026-11-24' });
    expect(builds.atStart).toEqual([]);
    expect(builds.atEnd).toEqual(['zod', 'duration', 'workflow contract', 'business date', 'date input']);
  });

  it('a run that validates nothing builds nothing', async () => {
    const builds = await buildsOf('inferenceCollector', { expected: 0 });
    expect(builds).toEqual({ atStart: [], atEnd: [] });
  });
});
