import { builtSoFar } from '../../../common/lazy';
import * as workflows from '../../../workflows';

type WorkflowType = 'inferenceRequest' | 'donorDigest' | 'inferenceCollector';

export interface SchemaBuilds {
  /** Built while the bundle's modules loaded for this run (the reusable V8 context loads them per run). */
  atStart: string[];
  /** Built by the end of the run. */
  atEnd: string[];
}

/** Diagnostic: runs one production workflow in this run and reports which lazily-built schemas the run built. */
export async function schemaBuildsProbe(workflowType: WorkflowType, arg: unknown): Promise<SchemaBuilds> {
  const atStart = builtSoFar();
  const run = workflows[workflowType] as (input: unknown) => Promise<unknown>;
  await run(arg);
  return { atStart, atEnd: builtSoFar() };
}
