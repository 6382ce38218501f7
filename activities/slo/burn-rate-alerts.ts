import type { Alert } from '../alerts';
import { burnRate, sloEventSets } from './compute';
import type { SloInputs } from './types';

const MINUTE = 60_000;

/**
 * Multi-window burn-rate rules (Google SRE workbook): an SLO pages when it burns its budget fast
 * over both a long and a short window (the short one says it is still happening). The same
 * thresholds are in deploy/observability/rules/civicos-slo.rules.yml for Prometheus.
 */
export const BURN_RATE_RULES = [
  { name: 'fast', longMs: 60 * MINUTE, shortMs: 5 * MINUTE, threshold: 14.4, severity: 'critical' },
  { name: 'slow', longMs: 6 * 60 * MINUTE, shortMs: 30 * MINUTE, threshold: 6, severity: 'warning' },
] as const;

export interface BurnRateFinding {
  slo: string;
  rule: (typeof BURN_RATE_RULES)[number]['name'];
  long: number;
  short: number;
  threshold: number;
  severity: 'critical' | 'warning';
}

/** The rules that fire at `now`: both windows at or above the threshold. */
export function evaluateBurnRates(inputs: Pick<SloInputs, 'inference' | 'jobs' | 'windowStart' | 'windowEnd'>, now: number): BurnRateFinding[] {
  const findings: BurnRateFinding[] = [];
  for (const slo of sloEventSets(inputs)) {
    for (const rule of BURN_RATE_RULES) {
      const long = burnRate(slo, now, rule.longMs);
      const short = burnRate(slo, now, rule.shortMs);
      if (long !== null && short !== null && long >= rule.threshold && short >= rule.threshold) {
        findings.push({ slo: slo.id, rule: rule.name, long, short, threshold: rule.threshold, severity: rule.severity });
      }
    }
  }
  return findings;
}

export function burnRateAlert(finding: BurnRateFinding): Alert {
  const rule = BURN_RATE_RULES.find((r) => r.name === finding.rule)!;
  return {
    kind: 'slo_burn_rate',
    severity: finding.severity,
    subject: finding.slo,
    message: `SLO ${finding.slo} burning its error budget ${finding.long}× over ${rule.longMs / 3_600_000} h and ${finding.short}× over ${rule.shortMs / MINUTE} min (${finding.rule} rule, threshold ${finding.threshold}×)`,
    details: { ...finding },
  };
}
