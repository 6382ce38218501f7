import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';

const key = Symbol.for('civicos.test.spans');
const holder = globalThis as unknown as Record<symbol, InMemorySpanExporter | undefined>;

/** The spans every test process records (runtime.ts installs telemetry with this exporter). */
export function testSpans(): InMemorySpanExporter {
  return (holder[key] ??= new InMemorySpanExporter());
}
