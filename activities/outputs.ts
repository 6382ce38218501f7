import type { WriteOutputInput, WriteOutputResult } from '../common/civic-activities';
import type { JsonLogger } from '../platform/logger';
import { writeOutputFiles } from '../stores/outputs';

export function createOutputActivities(deps: { dataDir: string; logger: JsonLogger }) {
  return {
    async writeOutput(input: WriteOutputInput): Promise<WriteOutputResult> {
      const result = await writeOutputFiles(deps.dataDir, input);
      deps.logger.info(result.unchanged ? 'output unchanged (rerun)' : 'output written', {
        workflow: input.workflow,
        workflowId: input.workflowId,
        markdown: result.markdownPath,
        latestUpdated: result.latestUpdated,
      });
      return result;
    },
  };
}
