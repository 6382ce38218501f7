import { burn, msText, num, pct, sloValue, verdict } from './format';
import type { SloReport } from './types';

const table = (head: string[], rows: string[][]): string[] => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];

/** The report as Markdown (what `civicos slo` prints and the KB can link to). */
export function renderSloMarkdown(r: SloReport): string {
  const lines = [
    `# CivicOS daily SLO report — ${r.date}`,
    '',
    `Window ${r.window.start} → ${r.window.end} (${r.window.hoursCovered} h${r.window.complete ? '' : ', day not over'}); generated ${r.generatedAt}.`,
    '',
    '## SLOs',
    ...table(
      ['SLO', 'target', 'value', 'result', 'events (bad)', 'budget left (28 d)', 'burn 1h / 6h / 1d'],
      r.slos.map((s) => [s.title, s.target, sloValue(s), verdict(s.pass), `${s.total} (${s.total - s.good})`, `${pct(s.errorBudget.remaining)} (${s.errorBudget.daysWithData} d of data)`, `${burn(s.burnRate['1h'])} / ${burn(s.burnRate['6h'])} / ${burn(s.burnRate['1d'])}`]),
    ),
    '',
    '## Queue wait per lane',
    ...table(
      ['lane', 'started', 'p50', 'p95', 'p99', 'urgent start p95', 'max backlog (age)', 'expired', 'pre-empted', 'backlog now'],
      r.lanes.map((l) => [l.lane, String(l.started), msText(l.waitP50Ms), msText(l.waitP95Ms), msText(l.waitP99Ms), msText(l.urgentStartP95Ms), `${l.maxBacklog} (${msText(l.maxBacklogAgeMs)})`, String(l.expired), String(l.deferred), l.backlogNow === null ? '–' : `${l.backlogNow} (oldest ${msText(l.oldestWaitingNowMs)})`]),
    ),
    '',
    ...table(['lane', 'priority', 'started', 'p50', 'p95', 'p99'], r.lanePriorities.map((l) => [l.lane, l.priority, String(l.started), msText(l.waitP50Ms), msText(l.waitP95Ms), msText(l.waitP99Ms)])),
    '',
    '## Jobs',
    ...table(
      ['job type', 'lane', 'started', 'completed', 'failed', 'timed out', 'success', 'top failure reasons'],
      r.jobTypes.map((j) => [j.jobType, j.lane ?? '–', String(j.started), String(j.completed), String(j.failed), String(j.timedOut), pct(j.successRatio), j.topFailureReasons.map((f) => `${f.reason} ×${f.count}`).join(', ') || '–']),
    ),
    '',
    '## Fallbacks and cloud use',
    `Requests ${r.fallbacks.requests}; with a fallback ${r.fallbacks.requestsWithFallback} (${pct(r.fallbacks.fallbackRate)}); local → cloud ${r.fallbacks.localToCloud} (${pct(r.fallbacks.localToCloudRate)}); cloud refused ${r.fallbacks.cloudRefused}.`,
    `Fallback reasons: ${r.fallbacks.reasons.map((f) => `${f.reason} ×${f.count}`).join(', ') || 'none'}.`,
    '',
    ...(r.fallbacks.cloudUses.length ? table(['time', 'workflow', 'lane', 'task class', 'route', 'reason'], r.fallbacks.cloudUses.map((c) => [c.ts, c.workflowId, c.lane, c.taskClass, c.route, c.reason])) : ['No cloud use.']),
    '',
    '## Models',
    ...table(
      ['model', 'host', 'attempts', 'ok', 'errors', 'interrupted', 'pre-empted', 'latency p50 / p95', 'first token p50 / p95', 'tokens/s p50'],
      r.models.map((m) => [m.model, m.host, String(m.attempts), String(m.ok), String(m.errors), String(m.interrupted), String(m.preemptions), `${msText(m.latencyP50Ms)} / ${msText(m.latencyP95Ms)}`, `${msText(m.timeToFirstTokenP50Ms)} / ${msText(m.timeToFirstTokenP95Ms)}`, num(m.tokensPerSecondP50)]),
    ),
    '',
    '## Schedules',
    ...table(
      ['schedule', 'workflow', 'state', 'expected', 'taken', 'not run', 'extra', 'failed', 'lag p95', 'missed / skipped (server totals)'],
      r.schedules.map((s) => [s.id, s.workflow, s.paused ? 'paused' : 'active', String(s.expected), String(s.taken), s.notRun ? `${s.notRun} (${s.notRunAt.join(', ')})` : '0', String(s.extra), String(s.failed), msText(s.lagP95Ms), `${s.missedCatchupWindowTotal} / ${s.skippedOverlapTotal}`]),
    ),
    '',
    '## Approvals waiting',
    r.approvals.waiting ? `${r.approvals.waiting} waiting; oldest ${r.approvals.oldestAgeSeconds} s: ${r.approvals.items.map((a) => `${a.workflowId} (${a.ageSeconds} s)`).join(', ')}` : 'None.',
    '',
    '## What this report cannot know',
    ...r.limits.map((l) => `- ${l}`),
    '',
  ];
  return lines.join('\n');
}
