import * as http from 'node:http';
import { metrics, type Attributes, type Counter, type Gauge, type Histogram, type UpDownCounter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, InstrumentType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { makeTelemetryFilterString, MetricsBuffer, Runtime, type BufferedMetricUpdate } from '@temporalio/worker';
import { initPlatformMetrics } from '../platform/metrics';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
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

/**
 * Histogram buckets of every duration in seconds (ours and the Temporal SDK's): they include the
 * SLO thresholds 10 s (urgent start) and 30 s (prod queue wait), so `le="10"` and `le="30"` read
 * the share of tasks inside each target exactly.
 */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600];
export const TOKENS_PER_SECOND_BUCKETS = [1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 500];

const VIEWS: ViewOptions[] = [
  { instrumentType: InstrumentType.HISTOGRAM, instrumentUnit: 's', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: DURATION_BUCKETS_SECONDS } } },
  { instrumentName: 'civicos_tokens_per_second', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: TOKENS_PER_SECOND_BUCKETS } } },
];

let installed = false;

/**
 * Once per process: SDK logs (TypeScript and Rust core) go to our JSON logger; OpenTelemetry
 * (`@opentelemetry/sdk-node`) is started with a Prometheus reader; and with `metricsPort` > 0 one
 * Prometheus text endpoint serves both our metrics and the Temporal SDK's own (schedule-to-start
 * latency, slots, failures). Core's metrics come through Temporal's metrics buffer and are
 * re-recorded as OpenTelemetry instruments, so they share the endpoint, the views and the buckets.
 */
export function installTelemetry(options: { logger: JsonLogger; metricsPort: number; host?: string; spanExporter?: SpanExporter }): { metricsUrl: string | undefined } {
  if (installed) return { metricsUrl: undefined };
  installed = true;
  const buffer = options.metricsPort === 0 ? undefined : new MetricsBuffer({ maxBufferSize: 100_000, useSecondsForDurations: true });
  Runtime.install({
    logger: sdkLogger(options.logger.child({ component: 'temporal-sdk' })),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
      ...(buffer ? { metrics: { buffer, metricPrefix: 'temporal_' } } : {}),
    },
  });
  const reader = new PrometheusExporter({ preventServerStart: true });
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': 'civicos-workers' }),
    metricReaders: [reader],
    views: VIEWS,
    // Traces: to the given exporter; else as OpenTelemetry's own variables say (OTEL_TRACES_EXPORTER,
    // OTEL_EXPORTER_OTLP_ENDPOINT, read by the SDK) when one is set; else kept in-process only
    // (context still propagates, nothing is sent anywhere).
    spanProcessors: options.spanExporter ? [new SimpleSpanProcessor(options.spanExporter)] : otelTracesConfigured() ? undefined : [],
    logRecordProcessors: [],
    instrumentations: [],
    resourceDetectors: [],
  });
  sdk.start();
  initPlatformMetrics();
  if (options.metricsPort === 0 || !buffer) return { metricsUrl: undefined };

  const forward = coreForwarder();
  const drain = (): void => {
    for (const update of buffer.retrieveUpdates()) forward(update);
  };
  const timer = setInterval(drain, 1_000);
  timer.unref();
  const serializer = new PrometheusSerializer();
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end('only /metrics here\n');
      return;
    }
    drain();
    reader
      .collect()
      .then(({ resourceMetrics, errors }) => {
        if (errors.length) options.logger.warn('metric collection errors', { errors: errors.map(String) });
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(serializer.serialize(resourceMetrics));
      })
      .catch((error: unknown) => {
        options.logger.error('metric collection failed', { error });
        response.writeHead(500).end('metric collection failed\n');
      });
  });
  server.on('error', (error) => options.logger.error('metrics endpoint failed', { error, port: options.metricsPort }));
  server.listen(options.metricsPort, host);
  server.unref();
  return { metricsUrl: `http://${host}:${options.metricsPort}/metrics` };
}

function otelTracesConfigured(): boolean {
  return Boolean(process.env.OTEL_TRACES_EXPORTER || process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

type Instrument = { add?: Counter['add'] | UpDownCounter['add']; record?: Histogram['record'] | Gauge['record'] };

/** Re-records the Temporal SDK's buffered metric updates (counter deltas, gauge and histogram values) on OpenTelemetry instruments. */
function coreForwarder(): (update: BufferedMetricUpdate) => void {
  const meter = metrics.getMeter('temporal-sdk-core');
  const instruments = new Map<string, Instrument>();
  const instrumentFor = (update: BufferedMetricUpdate): Instrument => {
    const { name, kind, unit, description } = update.metric;
    const full = name.startsWith('temporal_') ? name : `temporal_${name}`;
    const key = `${kind}:${full}`;
    let instrument = instruments.get(key);
    if (!instrument) {
      const opts = { unit: unit ?? '', description: description ?? '' };
      instrument =
        kind === 'counter' ? meter.createCounter(full, opts)
        : kind === 'histogram' ? meter.createHistogram(full, opts)
        : kind === 'gauge' ? meter.createGauge(full, opts)
        : meter.createUpDownCounter(full, opts);
      instruments.set(key, instrument);
    }
    return instrument;
  };
  return (update) => {
    const instrument = instrumentFor(update);
    const attributes = update.attributes as Attributes;
    if (instrument.add) instrument.add(update.value, attributes);
    else instrument.record?.(update.value, attributes);
  };
}
