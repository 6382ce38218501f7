import { ApplicationFailure } from '@temporalio/workflow';
import { CIVIC_FAILURE } from '../common/failures';
import { runCivicWorkflow } from './civic-run';
import { generatedBy, provenance, table } from './report-format';

export interface DecisionBriefResult {
  workflowId: string;
  date: string;
  decisionId: string;
  options: number;
  source: 'model' | 'fallback-model' | 'template';
  markdownPath: string;
}

/** A one-page brief for a pending leadership decision (prod lane). Business key: the decision id. */
export async function decisionBrief(input: { decisionId: string }): Promise<DecisionBriefResult> {
  return await runCivicWorkflow('decision-brief', input, async (run) => {
    const { decisions } = await run.loadSource('decisions');
    const decision = decisions.find((d) => d.id === run.input.decisionId);
    if (!decision) {
      throw ApplicationFailure.create({
        type: CIVIC_FAILURE.unknownRecord,
        message: `no decision "${run.input.decisionId}" in the decisions source; known: ${decisions.map((d) => d.id).join(', ')}`,
        nonRetryable: true,
      });
    }
    const optionLines = decision.options.map((o) => `- ${o.name} (cost: ${o.cost}). Pros: ${o.pros.join('; ') || 'none'}. Cons: ${o.cons.join('; ') || 'none'}.`);
    const reply = await run.generate({
      system: 'You prepare decision briefs for the CivicOS leadership team. Plain text, neutral, under 250 words: the question, the trade-offs, and what would change the answer. Recommend nothing the facts do not support.',
      user: [`Decision: ${decision.question}`, `Due: ${decision.due}. Owner: ${decision.owner}.`, `Context: ${decision.context}`, 'Options:', ...optionLines].join('\n'),
      template: () => `Options table only (no model was available). Decision due ${decision.due}, owner ${decision.owner}.`,
    });
    const markdown = [
      `# Decision brief: ${decision.question}`,
      '',
      `Due ${decision.due} · owner ${decision.owner}`,
      '',
      reply.text.trim(),
      '',
      '## Context',
      '',
      decision.context,
      '',
      '## Options',
      '',
      table(['option', 'cost', 'pros', 'cons'], decision.options.map((o) => [o.name, o.cost, o.pros.join('; '), o.cons.join('; ')])),
      '',
      provenance(run.workflowId, reply, run.contract.lane),
    ].join('\n');
    const written = await run.writeOutput(markdown, {
      date: run.date,
      decisionId: decision.id,
      question: decision.question,
      due: decision.due,
      brief: reply.text,
      generatedBy: generatedBy(reply),
      options: decision.options.map((o) => o.name),
    });
    return { workflowId: run.workflowId, date: run.date, decisionId: decision.id, options: decision.options.length, source: reply.source, markdownPath: written.markdownPath };
  });
}
