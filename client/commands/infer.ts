import * as fs from 'node:fs';
import type { Client } from '@temporalio/client';
import { InvalidPayloadError, submitInference } from '../submit-inference';

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function readPayloadFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliUsageError(`--file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}). Fix: pass the path of a JSON payload file`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliUsageError(`--file ${file}: not valid JSON (${(error as Error).message}). Fix: the file must hold one JSON object with the queue-contract fields`);
  }
}

/** `civicos infer --file payload.json [--wait] [--json]` */
export async function inferCommand(connect: () => Promise<Client>, options: { file: string; wait?: boolean; json?: boolean }): Promise<void> {
  const payload = readPayloadFile(options.file);
  const client = await connect();
  try {
    const submission = await submitInference(client, payload);
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
  } finally {
    await client.connection.close();
  }
}

export { InvalidPayloadError };
