import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { ProvidedContext } from 'vitest';
import { clusterDir, clusterDown, clusterUp, loadState, temporalAddressOf } from '../../deploy/cluster/cluster';
import { isAlive } from '../../deploy/cluster/processes';
import { TEMPORAL_SERVICES } from '../../deploy/cluster/temporal-server';
import { locateTemporalCli } from '../../deploy/temporal/dev-server';
import { TEST_CODEC_KEYS } from '../support/codec-key';
import { workflowBundleOptions } from '../../workers/workflow-worker';

declare module 'vitest' {
  export interface ProvidedContext {
    clusterDir: string;
  }
}

let startedHere = false;
let tmpDir: string | undefined;

/**
 * The cluster project's setup: the local production topology (brought up by the project's own
 * scripts unless it is already up), its frontend given to the shared test files as
 * `temporalAddress` in place of the dev server's.
 */
export async function setup(project: { provide<K extends keyof ProvidedContext>(key: K, value: ProvidedContext[K]): void }): Promise<void> {
  const dir = clusterDir();
  const before = loadState(dir);
  const wasUp = before !== undefined && TEMPORAL_SERVICES.every((s) => isAlive(before.temporal.pids[s]));
  const say = (line: string): void => void process.stderr.write(`[cluster] ${line}\n`);
  // The cluster's workers and the test clients share the tests' payload key.
  process.env.CIVICOS_CODEC_KEYS ??= TEST_CODEC_KEYS;
  const state = await clusterUp({ dir, say });
  startedHere = !wasUp;
  const cli = await locateTemporalCli();
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-cluster-test-'));
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, '..', 'support', 'workflows', 'index.ts'), ...workflowBundleOptions(), logger: quietLogger });
  const bundlePath = path.join(tmpDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', temporalAddressOf(state));
  project.provide('temporalNamespace', state.namespace);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalCliPath', cli.path);
  project.provide('clusterDir', dir);
}

export async function teardown(): Promise<void> {
  // Leave the cluster as it was found: `.ci/run` brings it up and down itself.
  if (startedHere && process.env.CIVICOS_CLUSTER_KEEP !== '1') await clusterDown({ say: (line) => void process.stderr.write(`[cluster] ${line}\n`) });
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

const noop = (): void => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
