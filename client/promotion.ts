import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { promotionWorkflowId, type PromotionGateInput, type PromotionProgress, type PromotionReport } from '../common/promotion/gate';

/**
 * Starts the promotion gate, or attaches to the run with the same ID (same alias, candidate,
 * battery version, runs and task count): a running one is joined, a completed one is read, never
 * re-run; a failed or terminated one is started again. `onProgress` gets the workflow's progress (its query) whenever a task finished.
 */
export async function runPromotionGate(client: Client, input: PromotionGateInput, options: { onProgress?: (p: PromotionProgress, newTasks: PromotionProgress['tasks']) => void; pollMs?: number } = {}): Promise<{ workflowId: string; attached: boolean; report: PromotionReport }> {
  const workflowId = promotionWorkflowId(input);
  let handle: WorkflowHandle = client.workflow.getHandle(workflowId);
  // Running or completed (pass or fail): that run is the answer. Failed, terminated, timed out: run it again.
  const status = await handle.describe().then((d) => d.status.name, () => undefined);
  const attached = status === 'RUNNING' || status === 'COMPLETED';
  if (!attached) {
    try {
      handle = await client.workflow.start('promotionGate', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId, args: [input], workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' });
    } catch (error) {
      // Finished meanwhile: read that run.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
  let seen = 0;
  let done = false;
  const result = handle.result().finally(() => {
    done = true;
  });
  const poll = async (): Promise<void> => {
    while (!done) {
      try {
        const progress = await handle.query<PromotionProgress>('promotionProgress');
        if (progress.tasks.length > seen) {
          options.onProgress?.(progress, progress.tasks.slice(seen));
          seen = progress.tasks.length;
        }
      } catch {
        // not yet started on a worker, or finished: the next round (or the result) tells
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
    }
  };
  const [report] = await Promise.all([result as Promise<PromotionReport>, poll()]);
  if (report.tasks.length > seen) {
    options.onProgress?.({ phase: 'done', total: report.tasks.length, done: report.tasks.length, tasks: [] }, report.tasks.slice(seen).map((t) => ({ taskId: t.taskId, category: t.category, winner: t.winner, incumbentQuality: t.incumbent.quality, candidateQuality: t.candidate.quality, incumbentLatencyMs: t.incumbent.latencyMs, candidateLatencyMs: t.candidate.latencyMs, failedCandidateRuns: t.candidate.runs.filter((r) => !r.completed).length })));
  }
  return { workflowId, attached, report };
}
