// The workflows barrel: the worker's single workflowsPath.
export { inferenceRequest } from './inference-request';
export { inferenceCollector, inferenceDoneSignal, collectedQuery } from './inference-collector';
// The CivicOS workflows (contracts in common/workflow-contracts.ts) and the schedules' launcher.
export { donorDigest } from './donor-digest';
export { grantDeadlineWatch } from './grant-deadline-watch';
export { commsDraft } from './comms-draft';
export { opsMonitor } from './ops-monitor';
export { decisionBrief } from './decision-brief';
export { pilotGrantSummary } from './pilot-grant-summary';
export { scheduledRun } from './scheduled-run';
export { approveUpdate, rejectUpdate, approvalStatusQuery } from './approval';
export { promotionGate, promotionProgressQuery } from './promotion-gate';
// Platform reports.
export { sloReport } from './slo-report';
