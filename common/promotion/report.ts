import type { PromotionReport } from './gate';

/** Markdown and self-contained HTML (inline SVG chart) of a promotion-gate report. Pure. */
const q = (x: number): string => x.toFixed(3);
const ms = (x: number): string => `${Math.round(x)} ms`;

export function renderPromotionMarkdown(r: PromotionReport): string {
  const lines = [
    `# Promotion gate: ${r.candidate.provider}:${r.candidate.model} for ${r.alias} — ${r.verdict.toUpperCase()}`,
    '',
    `- Incumbent: ${r.incumbent.provider}:${r.incumbent.model} (matrix v${r.matrixVersion})`,
    `- Candidate: ${r.candidate.provider}:${r.candidate.model} (${r.candidate.placement})`,
    `- Judge: ${r.judge.alias} → ${r.judge.provider}:${r.judge.model}; both answer orders; per-criterion scores thresholded in code`,
    `- Battery: ${r.battery.id} v${r.battery.version}, ${r.battery.tasks} of ${r.battery.of} tasks, ${r.runs} run(s) per task and side, temperature 0`,
    `- Workflow: ${r.workflowId} (${r.startedAt} → ${r.finishedAt})`,
    ...r.warnings.map((w) => `- Warning: ${w}`),
    '',
    '## The five criteria',
    '',
    '| criterion | result | numbers |',
    '| --- | --- | --- |',
    ...r.criteria.map((c) => `| ${c.name} | ${c.pass ? 'PASS' : c.evaluated ? 'FAIL' : 'not tested'} | ${c.summary.replace(/\|/g, '/')} |`),
    '',
    `**Verdict: ${r.verdict.toUpperCase()}**${r.failed.length ? ` — failed: ${r.failed.map((f) => `${f.name} (${f.shortfall})`).join('; ')}` : ''}`,
    '',
    '## Per task (quality 0..1: half deterministic checks, half judged rubric)',
    '',
    '| task | category | incumbent quality ± sd | candidate quality ± sd | winner | incumbent p50 | candidate p50 | candidate failures |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.tasks.map(
      (t) =>
        `| ${t.taskId} | ${t.category} | ${q(t.incumbent.quality)} ± ${q(t.incumbent.qualityStdDev)} | ${q(t.candidate.quality)} ± ${q(t.candidate.qualityStdDev)} | ${t.winner} | ${ms(t.incumbent.latencyMs)} | ${ms(t.candidate.latencyMs)} | ${t.candidate.runs.filter((x) => !x.completed).length}/${t.candidate.runs.length} |`,
    ),
    '',
    '## Rollback test',
    '',
    ...(r.rollback.length ? r.rollback.map((s) => `- [${s.ok ? 'x' : ' '}] ${s.step}: ${s.detail}`) : ['- not run (an earlier criterion failed; the routing matrix was not touched)']),
    '',
    `Routing: current version v${r.promotion.currentVersion}${r.promotion.testedVersion ? `, tested promotion v${r.promotion.testedVersion}` : ''}, ${r.promotion.applied ? 'applied' : 'not applied'}.`,
    '',
    `Files: ${r.reportPaths.markdown}, ${r.reportPaths.json}, ${r.reportPaths.html}`,
    '',
  ];
  return lines.join('\n');
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Grouped horizontal bars: incumbent vs candidate per task, for quality and p50 latency. */
function chart(r: PromotionReport, title: string, value: (t: PromotionReport['tasks'][number], side: 'incumbent' | 'candidate') => number, label: (x: number) => string): string {
  const rowH = 34;
  const left = 210;
  const width = 420;
  const max = Math.max(1e-9, ...r.tasks.flatMap((t) => [value(t, 'incumbent'), value(t, 'candidate')]));
  const height = 40 + r.tasks.length * rowH;
  const bars = r.tasks
    .map((t, i) => {
      const y = 30 + i * rowH;
      const bar = (side: 'incumbent' | 'candidate', dy: number, color: string): string => {
        const v = value(t, side);
        const w = Math.max(1, (v / max) * width);
        return `<rect x="${left}" y="${y + dy}" width="${w.toFixed(1)}" height="12" fill="${color}"><title>${side}: ${esc(label(v))}</title></rect><text x="${left + w + 4}" y="${y + dy + 10}" font-size="10">${esc(label(v))}</text>`;
      };
      return `<text x="${left - 6}" y="${y + 16}" font-size="11" text-anchor="end">${esc(t.taskId)}</text>${bar('incumbent', 2, '#8a8f98')}${bar('candidate', 16, '#2f6fdb')}`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 90}" height="${height}" role="img" aria-label="${esc(title)}"><text x="4" y="16" font-size="13" font-weight="bold">${esc(title)}</text><rect x="${left + width - 150}" y="6" width="10" height="10" fill="#8a8f98"/><text x="${left + width - 136}" y="15" font-size="10">incumbent</text><rect x="${left + width - 70}" y="6" width="10" height="10" fill="#2f6fdb"/><text x="${left + width - 56}" y="15" font-size="10">candidate</text>${bars}</svg>`;
}

export function renderPromotionHtml(r: PromotionReport): string {
  const rows = r.criteria
    .map((c) => `<tr class="${c.pass ? 'pass' : 'fail'}"><td>${esc(c.name)}</td><td>${c.pass ? 'PASS' : c.evaluated ? 'FAIL' : 'not tested'}</td><td>${esc(c.summary)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Promotion gate ${esc(r.candidate.model)} for ${esc(r.alias)}: ${r.verdict}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1000px}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;vertical-align:top}tr.pass td:nth-child(2){color:#137333;font-weight:bold}tr.fail td:nth-child(2){color:#b3261e;font-weight:bold}.verdict{font-size:1.4rem;font-weight:bold}</style></head>
<body><h1>Promotion gate: ${esc(`${r.candidate.provider}:${r.candidate.model}`)} for ${esc(r.alias)}</h1>
<p class="verdict" id="verdict">Verdict: ${r.verdict.toUpperCase()}</p>
<p>Incumbent ${esc(`${r.incumbent.provider}:${r.incumbent.model}`)} (matrix v${r.matrixVersion}); judge ${esc(`${r.judge.alias} → ${r.judge.model}`)}; battery ${esc(r.battery.id)} v${r.battery.version}, ${r.battery.tasks}/${r.battery.of} tasks × ${r.runs} run(s).</p>
${r.warnings.map((w) => `<p><strong>Warning:</strong> ${esc(w)}</p>`).join('')}
<table id="criteria"><tr><th>criterion</th><th>result</th><th>numbers</th></tr>${rows}</table>
<h2>Per-task comparison</h2>
${chart(r, 'Quality (0..1)', (t, side) => t[side].quality, (x) => x.toFixed(3))}
${chart(r, 'p50 model latency', (t, side) => t[side].latencyMs, (x) => `${Math.round(x)} ms`)}
<h2>Rollback test</h2><ul>${r.rollback.length ? r.rollback.map((s) => `<li>${s.ok ? '✔' : '✘'} ${esc(s.step)}: ${esc(s.detail)}</li>`).join('') : '<li>not run: an earlier criterion failed</li>'}</ul>
<p>Workflow ${esc(r.workflowId)}, ${esc(r.startedAt)} → ${esc(r.finishedAt)}</p>
</body></html>
`;
}
