// A whole platform (workflow worker + inference workers) in a child process, so a test can SIGKILL it:
// CIVICOS_TEST_BUNDLE is the test run's pre-built workflow bundle; hosts come from CIVICOS_MODEL_HOSTS.
import { loadEnv } from '../../platform/env';
import { configureLogger } from '../../platform/logger';
import { installTelemetry } from '../../workers/telemetry';
import { configuredModelHosts } from '../../workers/model-hosts';
import { runWorkers } from '../../workers/run-workers';

async function main(): Promise<void> {
  const env = loadEnv();
  const logger = configureLogger(env.logLevel);
  installTelemetry({ logger, metricsPort: 0 });
  const hosts = configuredModelHosts(env).map((h) => ({ ...h, simulated: true }));
  await runWorkers({ env, logger, hosts, workflowBundle: { codePath: process.env.CIVICOS_TEST_BUNDLE! } });
  process.stdout.write('workers running\n');
}

void main();
