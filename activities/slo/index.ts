import { ApplicationFailure } from '@temporalio/activity';
import { SLO_FAILURE } from '../../common/failures';
import type { JsonLogger } from '../../platform/logger';
import { computeSloReport } from './compute';
import { gatherSloInputs, type SloSources } from './gather';
import { renderSloHtml } from './render-html';
import { renderSloMarkdown } from './render-markdown';
import { writeSloReport, type SloFiles } from '../../stores/slo-reports';
import type { SloReport } from './types';

export { computeSloReport, SLO_TARGETS } from './compute';
export { gatherSloInputs, reportWindow, type SloSources } from './gather';
export { evaluateBurnRates, burnRateAlert, BURN_RATE_RULES } from './burn-rate-alerts';
export type * from './types';

export interface SloReportResult {
  report: SloReport;
  files: SloFiles;
}

/** Failure type of a refused report date (bad or future date). */
export { SLO_FAILURE } from '../../common/failures';

/** Builds one day's report: gather → compute → render → write (with the `latest` pointer). */
export async function buildSloReport(sources: SloSources, date: string, now = new Date()): Promise<SloReportResult> {
  const report = computeSloReport(await gatherSloInputs(sources, date, now));
  const files = await writeSloReport(sources.dataDir, report, { markdown: renderSloMarkdown(report), html: renderSloHtml(report) });
  return { report, files };
}

export function createSloActivities(deps: { sources: () => Promise<SloSources>; logger: JsonLogger }) {
  return {
    async buildSloReport(input: { date: string }): Promise<SloReportResult> {
      let result: SloReportResult;
      try {
        result = await buildSloReport(await deps.sources(), input.date);
      } catch (error) {
        if (error instanceof RangeError) throw ApplicationFailure.nonRetryable(error.message, SLO_FAILURE.invalidDate);
        throw error;
      }
      deps.logger.info(result.files.unchanged ? 'SLO report unchanged (rerun)' : 'SLO report written', {
        date: input.date,
        html: result.files.html,
        slos: Object.fromEntries(result.report.slos.map((s) => [s.id, s.pass])),
      });
      return result;
    },
  };
}

export type SloActivities = ReturnType<typeof createSloActivities>;
