import * as path from 'node:path';
import { readIfExists } from './files';
import { outputsRoot, readLatest, writeIfChanged } from './outputs';

/** Where the SLO reports go: `<data>/outputs/slo/<date>/slo-report.{md,json,html}` and `slo/latest.json`. */
export const SLO_OUTPUT_DIR = 'slo';
const STEM = 'slo-report';

/** What the store needs of a report (activities/slo/types.ts's SloReport): its day, its stamp and its daily counts. */
export interface StoredSloReport<Counts = unknown> {
  date: string;
  generatedAt: string;
  counts?: Counts;
}

export interface SloFiles {
  /** Relative to `<data>/outputs`. */
  markdown: string;
  json: string;
  html: string;
  latest: string;
  /** True when the stored report already said the same (only `generatedAt` differed): nothing was rewritten. */
  unchanged: boolean;
}

const withoutStamp = (report: StoredSloReport): string => JSON.stringify({ ...report, generatedAt: undefined });

/**
 * Writes the three files of a day's report and moves `latest` to it (never back to an older day).
 * A rerun that computes the same numbers leaves the files alone, so a report is idempotent per date.
 */
export async function writeSloReport(dataDir: string, report: StoredSloReport, rendered: { markdown: string; html: string }): Promise<SloFiles> {
  const root = outputsRoot(dataDir);
  const rel = (ext: string) => path.posix.join(SLO_OUTPUT_DIR, report.date, `${STEM}.${ext}`);
  const files = { markdown: rel('md'), json: rel('json'), html: rel('html'), latest: path.posix.join(SLO_OUTPUT_DIR, 'latest.json') };
  const previous = await readStoredReport(dataDir, report.date);
  const unchanged = previous !== undefined && withoutStamp(previous) === withoutStamp(report);
  if (!unchanged) {
    // writeIfChanged replaces each file atomically and creates the day's folder.
    await writeIfChanged(path.join(root, files.markdown), rendered.markdown);
    await writeIfChanged(path.join(root, files.html), rendered.html);
    await writeIfChanged(path.join(root, files.json), `${JSON.stringify(report, null, 2)}\n`);
  }
  const latestFile = path.join(root, files.latest);
  const current = await readLatest(latestFile);
  if (!current || report.date >= current.date) {
    await writeIfChanged(latestFile, `${JSON.stringify({ workflow: 'slo-report', workflowId: `slo-report:${report.date}`, date: report.date, markdown: files.markdown, json: files.json, html: files.html }, null, 2)}\n`);
  }
  return { ...files, unchanged };
}

/** A day's stored report (undefined when there is none or it is not JSON). */
export async function readStoredReport<R extends StoredSloReport = StoredSloReport>(dataDir: string, date: string): Promise<R | undefined> {
  const text = await readIfExists(path.join(outputsRoot(dataDir), SLO_OUTPUT_DIR, date, `${STEM}.json`));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as R;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** The stored counts of the `days` days before `date` that have a report. */
export async function readSloHistory<Counts>(dataDir: string, date: string, days: number): Promise<Array<{ date: string; counts: Counts }>> {
  const start = Date.parse(`${date}T00:00:00Z`);
  const dates = Array.from({ length: days }, (_, i) => new Date(start - (i + 1) * 86_400_000).toISOString().slice(0, 10));
  const reports = await Promise.all(dates.map((d) => readStoredReport<StoredSloReport<Counts>>(dataDir, d)));
  return reports.filter((r): r is StoredSloReport<Counts> & { counts: Counts } => r !== undefined && r.counts !== undefined).map((r) => ({ date: r.date, counts: r.counts }));
}
