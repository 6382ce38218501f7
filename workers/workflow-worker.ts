import * as path from 'node:path';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { redactingInterceptors } from './redacting-interceptor';
import { createActivities, type ActivityDeps } from '../activities';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { assertValidContracts } from '../common/reliability-contract';
import { WORKFLOW_CONTRACTS } from '../common/workflow-contracts';

export interface WorkflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  taskQueue?: string;
  /** A pre-built bundle (tests build it once); otherwise the workflows barrel is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The project's encrypting converter (codec/); every Worker has it. */
  dataConverter: WorkerOptions['dataConverter'];
  /** The reliability contracts to validate before starting (default: the registered ones). */
  contracts?: readonly unknown[];
}

/** Runs the CivicOS workflows and their non-inference activities on the `civicos` task queue. */
export async function createWorkflowWorker(options: WorkflowWorkerOptions): Promise<Worker> {
  // A bad contract stops the worker here, naming the workflow and field (ContractError).
  assertValidContracts(options.contracts ?? WORKFLOW_CONTRACTS);
  return await Worker.create({
    interceptors: redactingInterceptors,
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? WORKFLOW_TASK_QUEUE,
    identity: 'civicos-workflows',
    dataConverter: options.dataConverter,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: createActivities(options.deps),
  });
}

/** The workflows barrel, as a file path (resolvable under tsx and vitest alike). */
export function workflowsPath(): string {
  return path.join(__dirname, '..', 'workflows', 'index.ts');
}
