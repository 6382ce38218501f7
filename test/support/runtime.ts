import { configureLogger } from '../../platform/logger';
import { installTelemetry } from '../../workers/telemetry';

// Every test process sends SDK and platform logs through the one JSON logger, warnings and up.
installTelemetry({ logger: configureLogger((process.env.CIVICOS_TEST_LOG_LEVEL as 'warn' | undefined) ?? 'warn'), metricsPort: 0 });
