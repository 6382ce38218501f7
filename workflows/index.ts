// The workflows barrel: the worker's single workflowsPath.
//
// Temporal's reusable V8 context evaluates the bundle's modules again for every workflow run, from
// this barrel down. An inference request (most runs) needs only its own modules, so the CivicOS
// workflows, the promotion gate and the SLO report are loaded on their first call in a run: each
// export below is a plain function that requires its module then (webpack bundles the module; it
// is evaluated only when required) and returns the workflow's own promise. The workflow type is
// the export's name, as before. Their signals, queries and updates are imported from their modules.
/* eslint-disable @typescript-eslint/no-require-imports -- a require at first call is the point: an import is evaluated with the barrel */
import type * as DonorDigest from './donor-digest';
import type * as GrantDeadlineWatch from './grant-deadline-watch';
import type * as CommsDraft from './comms-draft';
import type * as OpsMonitor from './ops-monitor';
import type * as DecisionBrief from './decision-brief';
import type * as PilotGrantSummary from './pilot-grant-summary';
import type * as ScheduledRun from './scheduled-run';
import type * as PromotionGate from './promotion-gate';
import type * as SloReport from './slo-report';

export { inferenceRequest } from './inference-request';
export { inferenceCollector } from './inference-collector';

// The CivicOS workflows (contracts in common/workflow-contracts.ts) and the schedules' launcher.
export function donorDigest(...args: Parameters<typeof DonorDigest.donorDigest>): ReturnType<typeof DonorDigest.donorDigest> {
  return (require('./donor-digest') as typeof DonorDigest).donorDigest(...args);
}
export function grantDeadlineWatch(...args: Parameters<typeof GrantDeadlineWatch.grantDeadlineWatch>): ReturnType<typeof GrantDeadlineWatch.grantDeadlineWatch> {
  return (require('./grant-deadline-watch') as typeof GrantDeadlineWatch).grantDeadlineWatch(...args);
}
export function commsDraft(...args: Parameters<typeof CommsDraft.commsDraft>): ReturnType<typeof CommsDraft.commsDraft> {
  return (require('./comms-draft') as typeof CommsDraft).commsDraft(...args);
}
export function opsMonitor(...args: Parameters<typeof OpsMonitor.opsMonitor>): ReturnType<typeof OpsMonitor.opsMonitor> {
  return (require('./ops-monitor') as typeof OpsMonitor).opsMonitor(...args);
}
export function decisionBrief(...args: Parameters<typeof DecisionBrief.decisionBrief>): ReturnType<typeof DecisionBrief.decisionBrief> {
  return (require('./decision-brief') as typeof DecisionBrief).decisionBrief(...args);
}
export function pilotGrantSummary(...args: Parameters<typeof PilotGrantSummary.pilotGrantSummary>): ReturnType<typeof PilotGrantSummary.pilotGrantSummary> {
  return (require('./pilot-grant-summary') as typeof PilotGrantSummary).pilotGrantSummary(...args);
}
export function scheduledRun(...args: Parameters<typeof ScheduledRun.scheduledRun>): ReturnType<typeof ScheduledRun.scheduledRun> {
  return (require('./scheduled-run') as typeof ScheduledRun).scheduledRun(...args);
}
// The promotion gate and the platform's report.
export function promotionGate(...args: Parameters<typeof PromotionGate.promotionGate>): ReturnType<typeof PromotionGate.promotionGate> {
  return (require('./promotion-gate') as typeof PromotionGate).promotionGate(...args);
}
export function sloReport(...args: Parameters<typeof SloReport.sloReport>): ReturnType<typeof SloReport.sloReport> {
  return (require('./slo-report') as typeof SloReport).sloReport(...args);
}
