import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { CIVIC_FAILURE, formatZodIssues } from '../common/failures';
import type { JsonLogger } from '../platform/logger';
import { redactValue } from '../common/redact';
import { SOURCE_SCHEMAS, type SourceData, type SourceName } from '../common/source-data';

/** The sample data shipped in the repo. */
export const SAMPLE_DATA_DIR = path.join(__dirname, '..', 'data');

/** Where a source is read from: an operator's export in `<data>/sources/` wins over the shipped sample. */
export function sourceCandidates(dataDir: string, name: SourceName, sampleDir = SAMPLE_DATA_DIR): string[] {
  return [path.join(dataDir, 'sources', `${name}.json`), path.join(sampleDir, `${name}.json`)];
}

/**
 * The file-based data source. Bad or missing data is a non-retryable, typed failure naming the
 * file and field (retrying cannot fix a file). Secrets are redacted on load, so they never enter
 * workflow history, prompts or outputs.
 */
export function createDataSourceActivities(deps: { dataDir: string; logger: JsonLogger; sampleDir?: string }) {
  return {
    async loadSource<N extends SourceName>(name: N): Promise<SourceData[N]> {
      if (!Object.hasOwn(SOURCE_SCHEMAS, name)) {
        throw ApplicationFailure.nonRetryable(`unknown data source "${String(name)}"; known: ${Object.keys(SOURCE_SCHEMAS).join(', ')}`, CIVIC_FAILURE.sourceMissing);
      }
      const candidates = sourceCandidates(deps.dataDir, name, deps.sampleDir);
      let file: string | undefined;
      let text: string | undefined;
      for (const candidate of candidates) {
        try {
          text = await fs.promises.readFile(candidate, 'utf8');
          file = candidate;
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      if (text === undefined || file === undefined) {
        throw ApplicationFailure.nonRetryable(`data source "${name}" not found; looked in ${candidates.join(', ')}`, CIVIC_FAILURE.sourceMissing);
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (error) {
        throw ApplicationFailure.nonRetryable(`${file}: not valid JSON (${(error as Error).message})`, CIVIC_FAILURE.sourceInvalid);
      }
      const parsed = SOURCE_SCHEMAS[name]().safeParse(raw);
      if (!parsed.success) {
        const problems = formatZodIssues(parsed.error, { root: 'file', max: 10 });
        throw ApplicationFailure.nonRetryable(`${file}: ${problems.join('; ')}`, CIVIC_FAILURE.sourceInvalid);
      }
      deps.logger.debug('data source loaded', { source: name, file });
      return redactValue(parsed.data) as SourceData[N];
    },
  };
}
