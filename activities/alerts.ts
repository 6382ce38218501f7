import type { WorkflowAlert } from '../common/civic-activities';
import type { JsonLogger } from '../platform/logger';
import { redactValue } from '../common/redact';

/** An alert: the shape workflows raise through the `raiseAlert` activity (common/civic-activities). */
export type Alert = WorkflowAlert;

export interface AlertSink {
  send(alert: Alert): Promise<void>;
}

/**
 * Alerts go to the log (always, level error/warn, `alert: true`) and, when configured, are POSTed
 * as JSON to CIVICOS_ALERT_WEBHOOK. A webhook outage is logged, never thrown: an alert must not
 * turn a failure report into a second failure.
 */
export class AlertSender implements AlertSink {
  constructor(private readonly options: { logger: JsonLogger; webhook?: string; timeoutMs?: number }) {}

  async send(alert: Alert): Promise<void> {
    const safe = redactValue({ ...alert, ts: new Date().toISOString() }) as Alert & { ts: string };
    const log = alert.severity === 'critical' ? this.options.logger.error.bind(this.options.logger) : this.options.logger.warn.bind(this.options.logger);
    log(`ALERT ${alert.kind}: ${alert.message}`, { alert: true, ...safe });
    if (!this.options.webhook) return;
    try {
      const response = await fetch(this.options.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(safe),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      if (!response.ok) this.options.logger.error('alert webhook refused the alert', { kind: alert.kind, status: response.status });
    } catch (error) {
      this.options.logger.error('alert webhook unreachable', { kind: alert.kind, error });
    }
  }
}
