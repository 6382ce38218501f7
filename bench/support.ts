import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { dataConverterFor } from '../platform/codec';
import { loadEnv, type PlatformEnv } from '../platform/env';
import { configureLogger } from '../platform/logger';
import { freePort, locateTemporalCli, startDevServer, type DevServer } from '../deploy/temporal/dev-server';
import { installTelemetry } from '../workers/telemetry';

/** A private dev server (in memory, headless) and client for one benchmark run. */
export async function benchTemporal(): Promise<{ env: PlatformEnv; client: Client; server: DevServer; version: string; close(): Promise<void> }> {
  const logger = configureLogger('error');
  installTelemetry({ logger, metricsPort: 0 });
  const cli = await locateTemporalCli();
  const server = await startDevServer({ temporalPath: cli.path, port: await freePort(), namespace: 'default' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-bench-'));
  const env = loadEnv({ TEMPORAL_ADDRESS: server.address, CIVICOS_DATA_DIR: dataDir, CIVICOS_METRICS_PORT: '0', CIVICOS_LOG_LEVEL: 'error' });
  const connection = await Connection.connect({ address: server.address });
  return {
    env,
    client: new Client({ connection, namespace: 'default', dataConverter: dataConverterFor(env, { generateDevKey: true }) }),
    server,
    version: cli.version.split('\n')[0] ?? cli.version,
    async close() {
      await connection.close();
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight. */
export async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await task(next++);
    }),
  );
}
