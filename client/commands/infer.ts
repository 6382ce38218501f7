import * as fs from 'node:fs';
import { validateInferencePayload } from '../../common/contract';
import { InvalidPayloadError, submitInference } from '../submit-inference';
import { CliUsageError, type RegisterCommand } from './context';

export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliUsageError(`--file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}). Fix: pass the path of ${what}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliUsageError(`--file ${file}: not valid JSON (${(error as Error).message}). Fix: the file must hold ${what}`);
  }
}

/** `civicos infer --file payload.json [--wait] [--json]` */
export const registerInfer: RegisterCommand = (program, ctx) => {
  program
    .command('infer')
    .description('Submit one queue-contract payload (validated first; nothing is started for a bad one)')
    .requiredOption('--file <payload.json>', 'JSON file with the queue-contract payload')
    .option('--wait', 'wait for the result')
    .option('--json', 'print machine-readable JSON')
    .action(async (options: { file: string; wait?: boolean; json?: boolean }) => {
      const payload = readJsonFile(options.file, 'one JSON object with the queue-contract fields');
      // Bad input is reported (exit 2) even when no Temporal server answers.
      const validation = validateInferencePayload(payload);
      if (!validation.ok) throw new InvalidPayloadError(validation.problems);
      const submission = await submitInference(await ctx.client(), payload, ctx.admission());
      if (!options.wait) {
        process.stdout.write(options.json ? `${JSON.stringify({ workflowId: submission.workflowId, runId: submission.runId })}\n` : `submitted ${submission.workflowId}\n`);
        return;
      }
      const result = await submission.handle.result();
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ workflowId: submission.workflowId, result })}\n`
          : `${submission.workflowId}: ${result.model} on ${result.host}${result.simulated ? ' (simulated)' : ''}, ${result.outputTokens} tokens\n${result.text}\n`,
      );
    });
};
