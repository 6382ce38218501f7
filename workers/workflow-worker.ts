import * as path from 'node:path';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { redactingInterceptors } from './redacting-interceptor';
import { createActivities, type ActivityDeps } from '../activities';
import { tracingActivityInterceptor } from '../platform/tracing';
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
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? WORKFLOW_TASK_QUEUE,
    identity: 'civicos-workflows',
    dataConverter: options.dataConverter,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath(), bundlerOptions: { preloadModules: preloadedModules() } }),
    // A pre-built bundle has the workflow interceptor and preloaded modules built in (bundleWorkflowCode with
    // workflowBundleOptions()). Tracing outermost:
    // its span records an activity failure after the redactor has cleaned it.
    interceptors: { ...(options.workflowBundle ? {} : { workflowModules: workflowInterceptorModules() }), activity: [tracingActivityInterceptor, ...(redactingInterceptors.activity ?? [])] },
    activities: createActivities(options.deps),
  });
}

/**
 * The request path's modules (the workflows barrel, the request and collector workflows, the pure
 * common/ modules they use) and the workflow interceptors, evaluated once per reusable V8 context
 * instead of once per run: the context otherwise evaluates every module a run imports again, per
 * run. The barrel still loads each CivicOS workflow's module on its first call, per run. Each
 * preloaded module must be safe to share across runs: no module-level mutable state, no workflow
 * API that needs a run at load (proxyActivities and defineSignal do not), exports never mutated
 * (the SDK deep-freezes them: an exported global regex cannot move its lastIndex, so copy it before
 * use, as common/redact.ts does). What they import is shared with them, so it must be preloaded
 * too; test/structure.test.ts checks both. common/lazy.ts and the schema modules are not: a run
 * builds only the schemas it uses, and test/schema-builds.test.ts counts that per run.
 */
export const PRELOADED_MODULES = [
  'common/secret-rules',
  'common/redact',
  'common/lanes',
  'common/callback-targets',
  'common/contract',
  'common/payload-redaction',
  'common/cloud-policy',
  'common/quality-gate',
  'common/failures',
  'common/inference',
  'common/search-attributes',
  'common/trace-context',
  'common/route-chain',
  'workflows/tracing-interceptors',
  'workflows/describe-failure',
  'workflows/search-attributes',
  'workflows/infer',
  'workflows/inference-request',
  'workflows/inference-collector',
  'workflows/index',
] as const;

/** PRELOADED_MODULES as paths (the Worker's `bundlerOptions.preloadModules`). */
export function preloadedModules(): string[] {
  return PRELOADED_MODULES.map((module) => path.join(__dirname, '..', `${module}.ts`));
}

/** What a pre-built bundle (bundleWorkflowCode) needs to run as the Worker's own would: the interceptor and preloaded modules. */
export function workflowBundleOptions(): { workflowInterceptorModules: string[]; preloadModules: string[] } {
  return { workflowInterceptorModules: workflowInterceptorModules(), preloadModules: preloadedModules() };
}

/** Workflow interceptor modules (trace context onto activities); a pre-built bundle gets them from workflowBundleOptions(). */
export function workflowInterceptorModules(): string[] {
  return [path.join(__dirname, '..', 'workflows', 'tracing-interceptors.ts')];
}

/** The workflows barrel, as a file path (resolvable under tsx and vitest alike). */
export function workflowsPath(): string {
  return path.join(__dirname, '..', 'workflows', 'index.ts');
}
