// The workflows barrel: the worker's single workflowsPath.
export { inferenceRequest } from './inference-request';
export { priorityProbe, addSecondBatchSignal } from './priority-probe';
