import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SloActivities, SloReportResult } from '../activities/slo';

/** Set by the server on every workflow a schedule starts: the time the schedule fired for. */
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const { buildSloReport } = proxyActivities<SloActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface SloReportInput {
  /** UTC day YYYY-MM-DD; default: the day before the schedule fired (or before now). */
  date?: string;
}

/** The daily SLO report: one activity gathers, computes and writes it; the result names the files. */
export async function sloReport(input: SloReportInput = {}): Promise<SloReportResult> {
  const info = workflowInfo();
  const firedAt = info.typedSearchAttributes.get(scheduledStartTime) ?? info.startTime;
  const date = input.date ?? new Date(firedAt.getTime() - 86_400_000).toISOString().slice(0, 10);
  return await buildSloReport({ date });
}
