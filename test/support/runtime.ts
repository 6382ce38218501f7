import { configureLogger } from '../../platform/logger';
import { installTelemetry } from '../../workers/telemetry';
import { testSpans } from './spans';

// Every test process sends SDK and platform logs through the one JSON logger, warnings and up,
// and keeps its trace spans in memory (test/tracing.test.ts reads them).
installTelemetry({ logger: configureLogger((process.env.CIVICOS_TEST_LOG_LEVEL as 'warn' | undefined) ?? 'warn'), metricsPort: 0, spanExporter: testSpans() });
