// The workflows barrel: the worker's single workflowsPath.
//
// Temporal's reusable V8 context evaluates the bundle's modules again for every workflow run,
// unless they are preloaded (shared by every run of the context): this barrel and the request's
// modules are (PRELOADED_MODULES in workers/workflow-worker.ts). An inference request (most runs)
// needs only those, so the CivicOS workflows, the promotion gate and the SLO report are loaded on
// their first call in a run: each export below is a function that requires its module then
// (webpack bundles the module; it is evaluated only when required, for that run) and returns the
// workflow's own promise. The workflow type is the export's name, as before. Their signals, queries
// and updates are imported from their modules.
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

type AnyWorkflow = (...args: never[]) => Promise<unknown>;

/** The workflow `name` of the module `load` returns, loaded when the workflow is first called. */
function onCall<M extends Record<K, AnyWorkflow>, K extends keyof M>(load: () => M, name: K): M[K] {
  return ((...args: Parameters<M[K]>) => load()[name](...args)) as M[K];
}

// The CivicOS workflows (contracts in common/workflow-contracts.ts) and the schedules' launcher.
export const donorDigest = onCall(() => require('./donor-digest') as typeof DonorDigest, 'donorDigest');
export const grantDeadlineWatch = onCall(() => require('./grant-deadline-watch') as typeof GrantDeadlineWatch, 'grantDeadlineWatch');
export const commsDraft = onCall(() => require('./comms-draft') as typeof CommsDraft, 'commsDraft');
export const opsMonitor = onCall(() => require('./ops-monitor') as typeof OpsMonitor, 'opsMonitor');
export const decisionBrief = onCall(() => require('./decision-brief') as typeof DecisionBrief, 'decisionBrief');
export const pilotGrantSummary = onCall(() => require('./pilot-grant-summary') as typeof PilotGrantSummary, 'pilotGrantSummary');
export const scheduledRun = onCall(() => require('./scheduled-run') as typeof ScheduledRun, 'scheduledRun');
// The promotion gate and the platform's report.
export const promotionGate = onCall(() => require('./promotion-gate') as typeof PromotionGate, 'promotionGate');
export const sloReport = onCall(() => require('./slo-report') as typeof SloReport, 'sloReport');
