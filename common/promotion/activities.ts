import type { PromotionReport } from './gate';

/** Workflow-queue activities of the promotion gate (activities/promotion/); workflows import this type only. */
export interface PromotionActivities {
  /** Writes the candidate as a new matrix version with a promotion record; refused if the matrix moved since `expectedVersion`. */
  applyPromotionVersion(input: { alias: string; provider: string; model: string; evidence: string; approvedBy: string; expectedVersion: number }): Promise<{ version: number; previous: number }>;
  /** Points back to the version before `promotedVersion` (idempotent: done already → the current version). */
  rollbackPromotionVersion(input: { promotedVersion: number; by: string }): Promise<{ version: number }>;
  /** Points at the tested version again (`--apply`). */
  reapplyPromotionVersion(input: { promotedVersion: number; by: string }): Promise<{ version: number }>;
  /** Writes Markdown, JSON and HTML under `<data>/outputs/promotions/`; returns the paths. */
  writePromotionReport(report: PromotionReport): Promise<PromotionReport['reportPaths']>;
}
