import type { SourceData } from '../common/source-data';
import { runCivicWorkflow } from './civic-run';
import { generatedBy, provenance, table } from './report-format';

export interface OpsMonitorResult {
  workflowId: string;
  date: string;
  events: number;
  critical: number;
  source: 'model' | 'fallback-model' | 'template';
  markdownPath: string;
}

/** The day's events by service and severity: pure, so the report is reproducible. */
export function opsDay(data: SourceData['ops-events'], date: string) {
  const events = data.events.filter((e) => e.ts.startsWith(date)).sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  const byService = new Map<string, { info: number; warning: number; critical: number }>();
  for (const event of events) {
    const counts = byService.get(event.service) ?? { info: 0, warning: 0, critical: 0 };
    counts[event.severity] += 1;
    byService.set(event.service, counts);
  }
  const services = [...byService.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return { events, critical: events.filter((e) => e.severity === 'critical'), warnings: events.filter((e) => e.severity === 'warning'), services };
}

/** Daily ops monitor (prod lane, urgent): counts, a commentary, and an alert for critical events. Business key: the date. */
export async function opsMonitor(input: { date: string }): Promise<OpsMonitorResult> {
  return await runCivicWorkflow('ops-monitor', input, async (run) => {
    const day = opsDay(await run.loadSource('ops-events'), run.date);
    const eventLine = (e: (typeof day.events)[number]): string => `- ${e.ts} ${e.service} [${e.severity}] ${e.message}`;
    if (day.critical.length > 0) {
      await run.alert({
        kind: 'ops_critical_events',
        severity: 'critical',
        message: `${day.critical.length} critical operations events on ${run.date}: ${day.critical.map((e) => `${e.service}: ${e.message}`).join(' | ')}`,
        details: { services: [...new Set(day.critical.map((e) => e.service))] },
      });
    }
    const headline = `${day.events.length} events on ${run.date}: ${day.critical.length} critical, ${day.warnings.length} warnings, across ${day.services.length} services.`;
    const reply = await run.generate({
      system: 'You are the on-call operations lead of CivicOS. Write a short plain-text daily operations note: what broke, what is at risk, what to check first. Use only the events given.',
      user: [headline, 'Critical and warning events:', ...[...day.critical, ...day.warnings].map(eventLine)].join('\n'),
      template: () => `Counts only (no model was available): ${headline}`,
    });
    const markdown = [
      `# Ops monitor: ${run.date}`,
      '',
      reply.text.trim(),
      '',
      '## Events by service',
      '',
      headline,
      '',
      table(['service', 'critical', 'warning', 'info'], day.services.map(([service, c]) => [service, c.critical, c.warning, c.info])),
      '',
      '## Critical and warning events',
      table(['time', 'service', 'severity', 'message'], [...day.critical, ...day.warnings].map((e) => [e.ts, e.service, e.severity, e.message])),
      '',
      provenance(run.workflowId, reply, run.contract.lane),
    ].join('\n');
    const written = await run.writeOutput(markdown, {
      date: run.date,
      summary: reply.text,
      generatedBy: generatedBy(reply),
      counts: Object.fromEntries(day.services),
      critical: day.critical,
    });
    return { workflowId: run.workflowId, date: run.date, events: day.events.length, critical: day.critical.length, source: reply.source, markdownPath: written.markdownPath };
  });
}
