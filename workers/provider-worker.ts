import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { redactingInterceptors } from './redacting-interceptor';
import { createProviderActivities } from '../activities';
import { readSecret } from '../platform/env';
import { LANES, providerQueue } from '../common/lanes';
import type { JsonLogger } from '../platform/logger';
import { tracingActivityInterceptor } from '../platform/tracing';
import { queuedProviders, type ProviderHostPolicy, type RoutingMatrix } from '../common/routing-matrix';

/**
 * Workers for the provider task queues: one per OpenAI-compatible provider and lane, each running
 * at most the provider's `concurrency[lane]` calls. Cloud and pilot calls therefore pause with
 * their lane (`queue pause` rate-limits these queues too) and show in `queue status`. The matrix
 * read at start decides which providers get a worker; a provider added later needs a restart.
 */
export async function createProviderWorkers(options: {
  connection: NativeConnection;
  namespace: string;
  matrix: RoutingMatrix;
  dataDir: string;
  logger: JsonLogger;
  dataConverter: WorkerOptions['dataConverter'];
  secret?: (name: string) => string | undefined;
  hostPolicy: ProviderHostPolicy;
}): Promise<Worker[]> {
  const activities = createProviderActivities({ dataDir: options.dataDir, logger: options.logger, secret: options.secret ?? ((name) => readSecret(name)), hostPolicy: options.hostPolicy });
  const workers: Worker[] = [];
  for (const name of queuedProviders(options.matrix)) {
    const provider = options.matrix.providers[name]!;
    for (const lane of LANES) {
      workers.push(
        await Worker.create({
            connection: options.connection,
          namespace: options.namespace,
          taskQueue: providerQueue(name, lane),
          identity: `civicos-provider/${name}/${lane}`,
          dataConverter: options.dataConverter,
          activities,
          // Tracing outermost: its span records a failure after the redactor has cleaned it.
          interceptors: { activity: [tracingActivityInterceptor, ...(redactingInterceptors.activity ?? [])] },
          maxConcurrentActivityTaskExecutions: provider.concurrency[lane],
          maxConcurrentActivityTaskPolls: 1,
        }),
      );
    }
  }
  options.logger.info('provider workers ready', { providers: queuedProviders(options.matrix) });
  return workers;
}
