import type { SourceData } from '../common/source-data';
import { runCivicWorkflow } from './civic-run';
import { addDays, generatedBy, money, plural, provenance, table, totals } from './report-format';

export interface DonorDigestResult {
  workflowId: string;
  date: string;
  gifts: number;
  newDonors: number;
  lapsing: number;
  source: 'model' | 'fallback-model' | 'template';
  markdownPath: string;
}

type Donors = SourceData['donors'];

/** The figures of the week ending `date` (inclusive): pure, so the digest is reproducible. */
export function donorWeek(data: Donors, date: string) {
  const from = addDays(date, -6);
  const name = new Map(data.donors.map((d) => [d.id, d.name]));
  const gifts = data.gifts.filter((g) => g.date >= from && g.date <= date).sort((a, b) => (a.date === b.date ? (a.id < b.id ? -1 : 1) : a.date < b.date ? -1 : 1));
  const newDonors = data.donors.filter((d) => d.since >= from && d.since <= date);
  // A monthly donor with no gift in the 35 days up to the digest date is lapsing.
  const lapsing = data.donors.filter((d) => d.segment === 'monthly' && !data.gifts.some((g) => g.donorId === d.id && g.date <= date && g.date >= addDays(date, -35)));
  const largest = [...gifts].sort((a, b) => b.amount - a.amount || (a.id < b.id ? -1 : 1)).slice(0, 5);
  return { from, gifts, newDonors, lapsing, largest, donorName: (id: string) => name.get(id) ?? id };
}

/** Weekly donor digest for the development team (prod lane). Business key: the date. */
export async function donorDigest(input: { date: string }): Promise<DonorDigestResult> {
  return await runCivicWorkflow('donor-digest', input, async (run) => {
    const week = donorWeek(await run.loadSource('donors'), run.date);
    const giftLines = week.gifts.map((g) => `- ${g.date}: ${week.donorName(g.donorId)}, ${money(g.amount, g.currency)} to ${g.fund} (${g.kind})`);
    const headline = `${plural(week.gifts.length, 'gift')} totalling ${totals(week.gifts)}; ${plural(week.newDonors.length, 'new donor')}; ${plural(week.lapsing.length, 'monthly donor')} lapsing.`;
    const reply = await run.generate({
      system: 'You write the weekly donor digest for the development team of CivicOS, a civic nonprofit. Plain text, warm and factual, under 200 words. Use only the figures given; never invent numbers or names.',
      user: [
        `Week ${week.from} to ${run.date}. ${headline}`,
        'Gifts:',
        ...(giftLines.length ? giftLines : ['- none']),
        `New donors: ${week.newDonors.map((d) => d.name).join(', ') || 'none'}`,
        `Monthly donors with no gift in 35 days: ${week.lapsing.map((d) => d.name).join(', ') || 'none'}`,
        'Write: a two-sentence overview, three highlights, and who to thank or call this week.',
      ].join('\n'),
      template: () => `Figures only (no model was available): ${headline}`,
    });
    const markdown = [
      `# Donor digest: week ending ${run.date}`,
      '',
      reply.text.trim(),
      '',
      `## Figures (${week.from} to ${run.date})`,
      '',
      headline,
      '',
      '### Largest gifts',
      table(['date', 'donor', 'amount', 'fund', 'kind'], week.largest.map((g) => [g.date, week.donorName(g.donorId), money(g.amount, g.currency), g.fund, g.kind])),
      '',
      '### New donors',
      table(['donor', 'segment', 'since'], week.newDonors.map((d) => [d.name, d.segment, d.since])),
      '',
      '### Monthly donors lapsing (no gift in 35 days)',
      table(['donor', 'since'], week.lapsing.map((d) => [d.name, d.since])),
      '',
      provenance(run.workflowId, reply, run.contract.lane),
    ].join('\n');
    const written = await run.writeOutput(markdown, {
      date: run.date,
      window: { from: week.from, to: run.date },
      summary: reply.text,
      generatedBy: generatedBy(reply),
      figures: {
        gifts: week.gifts.length,
        total: totals(week.gifts),
        newDonors: week.newDonors.map((d) => d.id),
        lapsing: week.lapsing.map((d) => d.id),
        largest: week.largest.map((g) => g.id),
      },
    });
    return { workflowId: run.workflowId, date: run.date, gifts: week.gifts.length, newDonors: week.newDonors.length, lapsing: week.lapsing.length, source: reply.source, markdownPath: written.markdownPath };
  });
}
