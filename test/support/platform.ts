import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnv, type PlatformEnv } from '../../platform/env';
import { logger } from '../../platform/logger';
import { FileLedger, type ModelHostTarget } from '../../activities';
import { runWorkers, type RunningWorkers } from '../../workers/run-workers';
import { TEST_CODEC_KEYS } from './codec-key';
import type { TestTemporal } from './temporal';

/** The platform's workers against the test server, with their own data directory. */
export async function startPlatform(
  temporal: TestTemporal,
  hosts: ModelHostTarget[],
  options: { envOverrides?: Record<string, string>; workflows?: boolean; dataDir?: string } = {},
): Promise<{ env: PlatformEnv; ledger: FileLedger; workers: RunningWorkers; stop(): Promise<void> }> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-data-'));
  // The OpenAI simulator stands in for the cloud over plain http on loopback: the explicit dev/test allowance (never set in production).
  const env = loadEnv({
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    CIVICOS_DATA_DIR: dataDir,
    CIVICOS_METRICS_PORT: '0',
    CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD: '1',
    CIVICOS_CODEC_KEYS: TEST_CODEC_KEYS,
    ...options.envOverrides,
  });
  const workers = await runWorkers({ env, logger: logger(), hosts, workflowBundle: temporal.workflowBundle, workflows: options.workflows });
  return {
    env,
    ledger: new FileLedger(dataDir),
    workers,
    async stop() {
      await workers.shutdown();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
