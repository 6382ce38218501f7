import { log } from '@temporalio/workflow';
import { runCivicWorkflow, type ModelReply } from './civic-run';
import { grantWatch } from './grant-deadline-watch';
import { money, provenance } from './report-format';

export interface CriterionResult {
  criterion: string;
  met: boolean;
  detail: string;
}

export interface PilotResult {
  workflowId: string;
  date: string;
  experimentTag: string;
  criteriaMet: boolean;
  criteria: CriterionResult[];
  markdownPath: string;
}

const MAX_LATENCY_MS = 20_000;

/** Judges one pilot run against the contract's success criteria (pure). */
export function judgePilot(reply: ModelReply): CriterionResult[] {
  let summary: unknown;
  try {
    summary = (JSON.parse(reply.text) as { summary?: unknown }).summary;
  } catch {
    summary = undefined;
  }
  return [
    { criterion: 'valid JSON with a non-empty summary', met: typeof summary === 'string' && summary.trim().length > 0, detail: typeof summary === 'string' ? `${summary.length} characters` : 'no summary field' },
    { criterion: `model latency under ${MAX_LATENCY_MS / 1000} s`, met: reply.modelLatencyMs !== null && reply.modelLatencyMs < MAX_LATENCY_MS, detail: `${reply.modelLatencyMs ?? '–'} ms` },
    { criterion: 'no truncation (done reason stop)', met: reply.doneReason === 'stop', detail: `done reason ${reply.doneReason ?? '–'}` },
  ];
}

/**
 * Experimental lane pilot: structured grant summaries, judged against the success criteria and
 * recorded, never alerted as a prod failure and never blocking lane A. Business key: the date.
 */
export async function pilotGrantSummary(input: { date: string }): Promise<PilotResult> {
  return await runCivicWorkflow('pilot-grant-summary', input, async (run) => {
    const watch = grantWatch(await run.loadSource('grants'), run.date);
    const reply = await run.generate({
      system: 'Summarise grant applications as JSON: {"summary": string, "items": string[]} with one item per application. JSON only.',
      user: watch.upcoming.map((g) => `${g.funder} / ${g.programme}: ${money(g.amount, g.currency)}, due ${g.deadline}, ${g.status}, missing ${g.missing.join(', ') || 'nothing'}`).join('\n') || 'No open applications.',
      format: 'json',
      template: () => '',
    });
    const criteria = judgePilot(reply);
    const criteriaMet = criteria.every((c) => c.met);
    const experiment = run.contract.experiment!;
    if (!criteriaMet) log.warn('pilot run missed its success criteria', { experimentTag: experiment.tag, missed: criteria.filter((c) => !c.met).map((c) => c.criterion) });
    const markdown = [
      `# Pilot ${experiment.tag}: ${run.date}`,
      '',
      `Success criteria: ${experiment.successCriteria}`,
      '',
      ...criteria.map((c) => `- [${c.met ? 'x' : ' '}] ${c.criterion}: ${c.detail}`),
      '',
      '## Model output',
      '',
      '```json',
      reply.text.trim(),
      '```',
      '',
      provenance(run.workflowId, reply, run.contract.lane),
    ].join('\n');
    const written = await run.writeOutput(markdown, {
      date: run.date,
      experimentTag: experiment.tag,
      successCriteria: experiment.successCriteria,
      criteriaMet,
      criteria,
      output: reply.text,
      generatedBy: { source: reply.source, model: reply.model, simulated: reply.simulated, modelLatencyMs: reply.modelLatencyMs, outputTokens: reply.outputTokens },
    });
    return { workflowId: run.workflowId, date: run.date, experimentTag: experiment.tag, criteriaMet, criteria, markdownPath: written.markdownPath };
  });
}
