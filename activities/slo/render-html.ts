import { burn, msText, num, pct, sloValue, verdict } from './format';
import type { SloReport } from './types';

/**
 * The report as one self-contained HTML page (no scripts, no external files): the SLO table,
 * charts drawn as inline SVG, and the detail tables. Everything from the data is escaped.
 */
const esc = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const LANE_COLOURS = { prod: '#1f6feb', experimental: '#bf8700' } as const;

function tableHtml(head: string[], rows: Array<Array<string | number>>, cls = ''): string {
  if (rows.length === 0) return '<p class="empty">No data.</p>';
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** p95 queue wait per hour, one line per lane, with the 30 s and 10 s thresholds. */
function waitChart(r: SloReport): string {
  const w = 720;
  const h = 220;
  const pad = { l: 56, r: 12, t: 12, b: 28 };
  const values = r.lanes.flatMap((l) => l.hourlyWaitP95Ms.filter((v): v is number => v !== null));
  const max = Math.max(1_000, ...values) * 1.1;
  const x = (hour: number) => pad.l + ((w - pad.l - pad.r) * (hour + 0.5)) / 24;
  const y = (v: number) => pad.t + (h - pad.t - pad.b) * (1 - Math.min(v, max) / max);
  const lines = r.lanes
    .map((l) => {
      const points = l.hourlyWaitP95Ms.map((v, hour) => (v === null ? null : `${x(hour).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean);
      const dots = l.hourlyWaitP95Ms.map((v, hour) => (v === null ? '' : `<circle cx="${x(hour).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${LANE_COLOURS[l.lane]}"><title>${esc(l.lane)} ${hour}:00 p95 ${esc(msText(v))}</title></circle>`)).join('');
      return `<polyline fill="none" stroke="${LANE_COLOURS[l.lane]}" stroke-width="2" points="${points.join(' ')}"/>${dots}`;
    })
    .join('');
  const thresholds = [30_000, 10_000].filter((t) => t <= max).map((t) => `<line x1="${pad.l}" x2="${w - pad.r}" y1="${y(t)}" y2="${y(t)}" stroke="#cf222e" stroke-dasharray="4 3"/><text x="${w - pad.r}" y="${y(t) - 3}" text-anchor="end" class="axis">${t / 1000} s</text>`).join('');
  const hours = [0, 6, 12, 18, 23].map((hour) => `<text x="${x(hour)}" y="${h - 8}" text-anchor="middle" class="axis">${String(hour).padStart(2, '0')}:00</text>`).join('');
  const legend = r.lanes.map((l, i) => `<rect x="${pad.l + 8 + i * 120}" y="${pad.t + 2}" width="10" height="10" fill="${LANE_COLOURS[l.lane]}"/><text x="${pad.l + 22 + i * 120}" y="${pad.t + 11}" class="axis">${esc(l.lane)}</text>`).join('');
  return `<svg role="img" aria-label="queue wait p95 per lane by hour" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" class="chart" id="chart-queue-wait">
<line x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${h - pad.b}" stroke="#8c959f"/><line x1="${pad.l}" x2="${w - pad.r}" y1="${h - pad.b}" y2="${h - pad.b}" stroke="#8c959f"/>
<text x="${pad.l - 6}" y="${pad.t + 10}" text-anchor="end" class="axis">${esc(msText(max))}</text><text x="${pad.l - 6}" y="${h - pad.b}" text-anchor="end" class="axis">0</text>
${thresholds}${lines}${hours}${legend}</svg>`;
}

/** Horizontal bars: one per row, value 0..max. */
function barChart(id: string, label: string, rows: Array<{ name: string; value: number | null; text: string; colour: string }>, max: number): string {
  const w = 720;
  const rowH = 26;
  const h = Math.max(1, rows.length) * rowH + 8;
  const left = 220;
  const bars = rows
    .map((row, i) => {
      const width = row.value === null || max <= 0 ? 0 : ((w - left - 90) * row.value) / max;
      return `<text x="${left - 8}" y="${i * rowH + 18}" text-anchor="end" class="axis">${esc(row.name)}</text><rect x="${left}" y="${i * rowH + 6}" width="${width.toFixed(1)}" height="16" fill="${row.colour}"/><text x="${left + width + 6}" y="${i * rowH + 18}" class="axis">${esc(row.text)}</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="${esc(label)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" class="chart" id="${id}">${rows.length ? bars : `<text x="8" y="18" class="axis">no data</text>`}</svg>`;
}

export function renderSloHtml(r: SloReport): string {
  const jobBars = r.jobTypes.map((j) => ({ name: j.jobType, value: j.successRatio, text: `${pct(j.successRatio)} of ${j.completed + j.failed + j.timedOut + j.terminated}`, colour: j.successRatio === null ? '#8c959f' : j.successRatio >= 0.98 ? '#1a7f37' : '#cf222e' }));
  const tpsMax = Math.max(0, ...r.models.map((m) => m.tokensPerSecondP50 ?? 0));
  const modelBars = r.models.map((m) => ({ name: `${m.model} @ ${m.host}`, value: m.tokensPerSecondP50, text: `${num(m.tokensPerSecondP50)} tok/s`, colour: '#8250df' }));
  const sloRows = r.slos
    .map(
      (s) =>
        `<tr class="${s.pass === null ? 'nodata' : s.pass ? 'pass' : 'fail'}"><td>${esc(s.title)}</td><td>${esc(s.target)}</td><td class="value">${esc(sloValue(s))}</td><td class="verdict">${esc(verdict(s.pass))}</td><td>${s.total} (${s.total - s.good} bad)</td><td>${esc(pct(s.errorBudget.remaining))} <small>(${s.errorBudget.daysWithData} of 28 d)</small></td><td>${esc(burn(s.burnRate['1h']))} / ${esc(burn(s.burnRate['6h']))} / ${esc(burn(s.burnRate['1d']))}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CivicOS SLO report ${esc(r.date)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:980px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
tr.pass .verdict{color:#1a7f37;font-weight:700}tr.fail .verdict{color:#cf222e;font-weight:700}tr.nodata .verdict{color:#57606a}
.value{font-weight:600}.meta{color:#57606a}.chart{display:block;margin:8px 0;max-width:100%;height:auto}.axis{font-size:11px;fill:#57606a}
.empty{color:#57606a;font-style:italic}li{margin:2px 0}
</style></head><body>
<h1>CivicOS daily SLO report — ${esc(r.date)}</h1>
<p class="meta">Window ${esc(r.window.start)} → ${esc(r.window.end)} (${r.window.hoursCovered} h${r.window.complete ? '' : ', the day is not over'}); generated ${esc(r.generatedAt)}.</p>
<h2>SLOs</h2>
<table id="slo-table"><thead><tr><th>SLO</th><th>target</th><th>value</th><th>result</th><th>events</th><th>error budget left (28 d)</th><th>burn rate 1h / 6h / 1d</th></tr></thead><tbody>${sloRows}</tbody></table>
<h2>Queue wait per lane through the day (p95 per hour)</h2>
${waitChart(r)}
${tableHtml(['lane', 'started', 'p50', 'p95', 'p99', 'urgent start p95', 'max backlog', 'its age', 'expired', 'pre-empted', 'backlog now'], r.lanes.map((l) => [l.lane, l.started, msText(l.waitP50Ms), msText(l.waitP95Ms), msText(l.waitP99Ms), msText(l.urgentStartP95Ms), l.maxBacklog, msText(l.maxBacklogAgeMs), l.expired, l.deferred, l.backlogNow === null ? '–' : `${l.backlogNow} (oldest ${msText(l.oldestWaitingNowMs)})`]))}
${tableHtml(['lane', 'priority', 'started', 'p50', 'p95', 'p99'], r.lanePriorities.map((l) => [l.lane, l.priority, l.started, msText(l.waitP50Ms), msText(l.waitP95Ms), msText(l.waitP99Ms)]))}
<h2>Success by job type</h2>
${barChart('chart-success', 'success by job type', jobBars, 1)}
${tableHtml(['job type', 'lane', 'started', 'completed', 'failed', 'timed out', 'terminated', 'running', 'success', 'top failure reasons'], r.jobTypes.map((j) => [j.jobType, j.lane ?? '–', j.started, j.completed, j.failed, j.timedOut, j.terminated, j.running, pct(j.successRatio), j.topFailureReasons.map((f) => `${f.reason} ×${f.count}`).join(', ') || '–']))}
<h2>Fallbacks and cloud use</h2>
<p>Requests ${r.fallbacks.requests}; with a fallback ${r.fallbacks.requestsWithFallback} (${esc(pct(r.fallbacks.fallbackRate))}); local → cloud ${r.fallbacks.localToCloud} (${esc(pct(r.fallbacks.localToCloudRate))}); cloud refused ${r.fallbacks.cloudRefused}. Reasons: ${esc(r.fallbacks.reasons.map((f) => `${f.reason} ×${f.count}`).join(', ') || 'none')}.</p>
${tableHtml(['time', 'workflow', 'lane', 'task class', 'route', 'reason'], r.fallbacks.cloudUses.map((c) => [c.ts, c.workflowId, c.lane, c.taskClass, c.route, c.reason]))}
<h2>Models: tokens/s (p50)</h2>
${barChart('chart-tokens', 'tokens per second per model', modelBars, tpsMax)}
${tableHtml(['model', 'host', 'attempts', 'ok', 'errors', 'interrupted', 'pre-empted', 'latency p50', 'latency p95', 'first token p50', 'first token p95', 'tokens/s p50', 'output tokens'], r.models.map((m) => [m.model, m.host, m.attempts, m.ok, m.errors, m.interrupted, m.preemptions, msText(m.latencyP50Ms), msText(m.latencyP95Ms), msText(m.timeToFirstTokenP50Ms), msText(m.timeToFirstTokenP95Ms), num(m.tokensPerSecondP50), m.outputTokens]))}
<h2>Schedules</h2>
${tableHtml(['schedule', 'workflow', 'state', 'expected', 'taken', 'not run', 'extra', 'failed', 'lag p95', 'missed / skipped (server totals)'], r.schedules.map((s) => [s.id, s.workflow, s.paused ? 'paused' : 'active', s.expected, s.taken, s.notRun ? `${s.notRun} (${s.notRunAt.join(', ')})` : 0, s.extra, s.failed, msText(s.lagP95Ms), `${s.missedCatchupWindowTotal} / ${s.skippedOverlapTotal}`]))}
<h2>Approvals waiting</h2>
${r.approvals.waiting ? tableHtml(['workflow', 'job type', 'waiting'], r.approvals.items.map((a) => [a.workflowId, a.jobType, `${a.ageSeconds} s`])) : '<p class="empty">None.</p>'}
<h2>What this report cannot know</h2>
<ul>${r.limits.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
</body></html>
`;
}
