import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { JsonLogger } from '../platform/logger';

/**
 * SDK warnings that describe our design, not a problem: inference workers serve activities only.
 * Logged at debug, so they do not reach an operator's terminal on every start.
 */
const EXPECTED_SDK_WARNINGS = new Set(['No workflows registered, not polling for workflow tasks']);

/** The SDK's logger: our JSON logger, with the expected warnings demoted. */
export function sdkLogger(logger: JsonLogger): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void =>
    logger.log(level === 'WARN' && EXPECTED_SDK_WARNINGS.has(message) ? 'DEBUG' : level, message, meta);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

let installed = false;

/**
 * Sends Temporal SDK logs (TypeScript and Rust core) to our JSON logger, and serves our
 * OpenTelemetry metrics as Prometheus text on `metricsPort` (0 = off). Once per process.
 */
export function installTelemetry(options: { logger: JsonLogger; metricsPort: number }): { metricsUrl: string | undefined } {
  if (installed) return { metricsUrl: undefined };
  installed = true;
  Runtime.install({
    logger: sdkLogger(options.logger.child({ component: 'temporal-sdk' })),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} } },
  });
  if (options.metricsPort === 0) return { metricsUrl: undefined };
  const exporter = new PrometheusExporter({ port: options.metricsPort, host: '127.0.0.1' });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
  return { metricsUrl: `http://127.0.0.1:${options.metricsPort}/metrics` };
}
