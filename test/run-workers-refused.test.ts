import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadEnv } from '../platform/env';
import { logger } from '../platform/logger';
import { RoutingMatrixError } from '../stores/routing-store';
import { runWorkers } from '../workers/run-workers';
import { TEST_CODEC_KEYS } from './support/codec-key';
import { connectTest, type TestTemporal } from './support/temporal';

let temporal: TestTemporal;
let dataDir: string;
beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-run-workers-refused' });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-refused-'));
});
afterAll(async () => {
  await temporal?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('a refused start names its reason (a stored routing matrix that no longer validates), not the connection it could not close', async () => {
  // The workflow worker is created before the provider workers read the matrix: it still holds the connection when the start is refused.
  fs.mkdirSync(path.join(dataDir, 'routing', 'versions'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'routing', 'versions', '1.json'), JSON.stringify({ version: 1, providers: {} }));
  fs.writeFileSync(path.join(dataDir, 'routing', 'current.json'), JSON.stringify({ stack: [1], updatedAt: new Date().toISOString(), by: 'test' }));
  const env = loadEnv({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, CIVICOS_DATA_DIR: dataDir, CIVICOS_METRICS_PORT: '0', CIVICOS_CODEC_KEYS: TEST_CODEC_KEYS });
  const error = await runWorkers({ env, logger: logger(), hosts: [], workflowBundle: temporal.workflowBundle }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RoutingMatrixError);
  expect(String((error as RoutingMatrixError).problems)).toContain(path.join(dataDir, 'routing', 'versions', '1.json'));
});
