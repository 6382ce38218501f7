import type { AlertSink } from '../activities/alerts';
import { burnRateAlert, evaluateBurnRates, gatherSloInputs, type SloSources } from '../activities/slo';
import type { JsonLogger } from '../platform/logger';

/**
 * Evaluates the SLO burn-rate rules (fast: 1 h and 5 min over 14.4×; slow: 6 h and 30 min over 6×)
 * on the same events as the daily report, and alerts once per episode through the alert sink.
 */
export function startSloMonitor(options: { sources: () => Promise<SloSources>; alerts: AlertSink; logger: JsonLogger; intervalMs?: number }): { stop(): void; check(now?: Date): Promise<string[]> } {
  const firing = new Set<string>();
  const check = async (now = new Date()): Promise<string[]> => {
    const inputs = await gatherSloInputs(await options.sources(), now.toISOString().slice(0, 10), now);
    const findings = evaluateBurnRates(inputs, now.getTime());
    const active = new Set(findings.map((f) => `${f.slo}:${f.rule}`));
    for (const key of firing) if (!active.has(key)) firing.delete(key);
    const raised: string[] = [];
    for (const finding of findings) {
      const key = `${finding.slo}:${finding.rule}`;
      if (firing.has(key)) continue;
      firing.add(key);
      await options.alerts.send(burnRateAlert(finding));
      raised.push(key);
    }
    return raised;
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .catch((error: unknown) => options.logger.warn('SLO burn-rate check failed', { error }))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs ?? 60_000);
  return { stop: () => clearInterval(timer), check };
}
