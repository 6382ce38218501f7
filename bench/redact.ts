/**
 * npm run bench:redact — what redaction costs per text, with each rule's `needs` prefilter (what the
 * platform runs: client, workflow and inference activity each redact a request's prompts) against
 * the same engine trying every rule, in the same run: a clean prompt of a few sizes, and text with
 * a secret in it.
 */
import { redactSecrets, redactSecretsTryingEveryRule } from '../common/redact';
import { secretSamples } from '../test/support/secret-samples';
import { fmt } from './support';

const PROSE =
  'Summarise the week for the board. Donors: 12 new, 3 lapsed; grant deadlines next month: two. Keep it under 200 words and say what needs a decision, ' +
  'who owns it, and by when. Tone: plain, warm, no jargon. Include the totals and the names of the top three donors. ';
const texts: Array<[string, string]> = [
  ['short prompt (20 chars)', 'bench run-17 #42 ok.'],
  ['prose prompt (300 chars)', PROSE.slice(0, 300)],
  ['long prompt (4 KB of prose and figures)', PROSE.repeat(16).slice(0, 4096)],
  ['a line with a secret (github token)', secretSamples().find((s) => s.format === 'github classic token')!.line],
];

/** µs per call, the median of 7 timed batches after a warm-up. */
function perCall(redact: (text: string) => string, text: string): number {
  const batch = Math.max(50, Math.round(200_000 / (text.length + 50)));
  for (let i = 0; i < batch; i++) redact(text);
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) redact(text);
    runs.push(((performance.now() - t0) * 1000) / batch);
  }
  return runs.sort((a, b) => a - b)[3]!;
}

const lines = ['| text | every rule µs | with needs µs | speed-up |', '|---|---|---|---|'];
for (const [name, text] of texts) {
  const every = perCall(redactSecretsTryingEveryRule, text);
  const gated = perCall(redactSecrets, text);
  lines.push(`| ${name} | ${fmt(every, 2)} | ${fmt(gated, 2)} | ${fmt(every / gated, 1)}× |`);
}
process.stdout.write(`bench:redact — one redaction pass (a request's prompt is redacted three times on its way)\n\n${lines.join('\n')}\n`);
