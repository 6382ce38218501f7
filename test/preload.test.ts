import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import type { preloadProbe } from './support/workflows';
import { startPlatform } from './support/platform';
import { connectTest, uniqueId, type TestTemporal } from './support/temporal';

let temporal: TestTemporal;
let platform: Awaited<ReturnType<typeof startPlatform>>;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-preload' });
  platform = await startPlatform(temporal, []);
});
afterAll(async () => {
  await platform?.stop();
  await temporal?.close();
});

describe('pure request-path modules are evaluated once per V8 context, not once per run', () => {
  it('a run shares the preloaded modules (frozen by the SDK) and evaluates the others for itself', async () => {
    const run = () => temporal.client.workflow.execute<typeof preloadProbe>('preloadProbe', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId: uniqueId('preload') });
    const expected = { contract: true, lanes: true, redact: true, tracingInterceptors: true, describeFailure: true, barrel: true, routingMatrix: false, lazy: false, donorDigest: false };
    expect(await run()).toEqual(expected);
    expect(await run()).toEqual(expected);
  });
});
