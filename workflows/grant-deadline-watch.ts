import type { SourceData } from '../common/source-data';
import { runCivicWorkflow } from './civic-run';
import { daysBetween, generatedBy, money, provenance, table } from './report-format';

export const GRANT_HORIZON_DAYS = 45;
export const GRANT_IMMINENT_DAYS = 7;
const OPEN = new Set(['researching', 'drafting', 'in-review']);

export interface GrantWatchResult {
  workflowId: string;
  date: string;
  upcoming: number;
  imminent: string[];
  overdue: string[];
  source: 'model' | 'fallback-model' | 'template';
  markdownPath: string;
}

/** Open applications by urgency on `date`: pure, so the watch is reproducible. */
export function grantWatch(data: SourceData['grants'], date: string) {
  const open = data.grants
    .filter((g) => OPEN.has(g.status))
    .map((g) => ({ ...g, daysLeft: daysBetween(date, g.deadline) }))
    .sort((a, b) => a.daysLeft - b.daysLeft || (a.id < b.id ? -1 : 1));
  return {
    overdue: open.filter((g) => g.daysLeft < 0),
    imminent: open.filter((g) => g.daysLeft >= 0 && g.daysLeft <= GRANT_IMMINENT_DAYS),
    upcoming: open.filter((g) => g.daysLeft >= 0 && g.daysLeft <= GRANT_HORIZON_DAYS),
  };
}

/** Daily grant-deadline watch (prod lane): deadlines, gaps, and an alert when one is close. Business key: the date. */
export async function grantDeadlineWatch(input: { date: string }): Promise<GrantWatchResult> {
  return await runCivicWorkflow('grant-deadline-watch', input, async (run) => {
    const watch = grantWatch(await run.loadSource('grants'), run.date);
    const line = (g: (typeof watch.upcoming)[number]): string =>
      `- ${g.funder}, ${g.programme} (${money(g.amount, g.currency)}): deadline ${g.deadline} (${g.daysLeft < 0 ? `${-g.daysLeft} days overdue` : `${g.daysLeft} days left`}), ${g.status}, owner ${g.owner}; missing: ${g.missing.join(', ') || 'nothing'}`;
    const headline = `${watch.upcoming.length} open applications due within ${GRANT_HORIZON_DAYS} days; ${watch.imminent.length} within ${GRANT_IMMINENT_DAYS} days; ${watch.overdue.length} overdue.`;
    if (watch.imminent.length + watch.overdue.length > 0) {
      await run.alert({
        kind: 'grant_deadline_imminent',
        severity: 'warning',
        message: `${watch.imminent.length} grant deadlines within ${GRANT_IMMINENT_DAYS} days, ${watch.overdue.length} overdue: ${[...watch.overdue, ...watch.imminent].map((g) => `${g.funder} ${g.deadline}`).join(', ')}`,
        details: { imminent: watch.imminent.map((g) => g.id), overdue: watch.overdue.map((g) => g.id) },
      });
    }
    const reply = await run.generate({
      system: 'You are the grants coordinator of CivicOS, a civic nonprofit. Write a short plain-text deadline briefing: what is at risk, what is missing, who must act first. Use only the facts given.',
      user: [`Today is ${run.date}. ${headline}`, 'Overdue:', ...watch.overdue.map(line), 'Due soon:', ...watch.upcoming.map(line)].join('\n'),
      template: () => `Deadline table only (no model was available): ${headline}`,
    });
    const rows = [...watch.overdue, ...watch.upcoming].map((g) => [g.deadline, g.daysLeft, g.funder, g.programme, money(g.amount, g.currency), g.status, g.owner, g.missing.join(', ') || '–']);
    const markdown = [
      `# Grant deadline watch: ${run.date}`,
      '',
      reply.text.trim(),
      '',
      '## Deadlines',
      '',
      headline,
      '',
      table(['deadline', 'days left', 'funder', 'programme', 'amount', 'status', 'owner', 'missing'], rows),
      '',
      provenance(run.workflowId, reply, run.contract.lane),
    ].join('\n');
    const written = await run.writeOutput(markdown, {
      date: run.date,
      summary: reply.text,
      generatedBy: generatedBy(reply),
      overdue: watch.overdue.map((g) => ({ id: g.id, deadline: g.deadline, daysLeft: g.daysLeft })),
      upcoming: watch.upcoming.map((g) => ({ id: g.id, deadline: g.deadline, daysLeft: g.daysLeft, missing: g.missing })),
    });
    return {
      workflowId: run.workflowId,
      date: run.date,
      upcoming: watch.upcoming.length,
      imminent: watch.imminent.map((g) => g.id),
      overdue: watch.overdue.map((g) => g.id),
      source: reply.source,
      markdownPath: written.markdownPath,
    };
  });
}
