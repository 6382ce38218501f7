import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { JsonLogger } from '../common/logger';

let installed = false;

/**
 * Sends Temporal SDK logs (TypeScript and Rust core) to our JSON logger, and serves our
 * OpenTelemetry metrics as Prometheus text on `metricsPort` (0 = off). Once per process.
 */
export function installTelemetry(options: { logger: JsonLogger; metricsPort: number }): { metricsUrl: string | undefined } {
  if (installed) return { metricsUrl: undefined };
  installed = true;
  Runtime.install({
    logger: options.logger.child({ component: 'temporal-sdk' }),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} } },
  });
  if (options.metricsPort === 0) return { metricsUrl: undefined };
  const exporter = new PrometheusExporter({ port: options.metricsPort, host: '127.0.0.1' });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
  return { metricsUrl: `http://127.0.0.1:${options.metricsPort}/metrics` };
}
