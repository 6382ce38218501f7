import type { InferencePayload } from './contract';

/**
 * The quality gate a reply must pass before a workflow accepts it; a failure sends the request
 * down its fallback chain. A text reply cut by max_tokens passes (the caller chose the budget);
 * a JSON reply must parse, so a cut JSON reply fails.
 */
export function qualityGateFailure(request: Pick<InferencePayload, 'format'>, reply: { text: string; doneReason: string }): string | undefined {
  if (!reply.text.trim()) return 'empty reply';
  if (request.format === 'json') {
    try {
      JSON.parse(reply.text);
    } catch {
      return reply.doneReason === 'length' ? 'JSON reply truncated by max_tokens' : 'reply is not valid JSON';
    }
  }
  return undefined;
}
