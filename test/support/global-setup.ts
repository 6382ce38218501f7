import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { ProvidedContext } from 'vitest';
import { freePort, locateTemporalCli, startDevServer, type DevServer } from '../../deploy/temporal/dev-server';
import { workflowBundleOptions } from '../../workers/workflow-worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
    temporalCliPath: string;
  }
}

let server: DevServer | undefined;
let tmpDir: string | undefined;

/** One real Temporal dev server (the project's own CLI install) for the whole run, on free ports. */
export async function setup(project: { provide<K extends keyof ProvidedContext>(key: K, value: ProvidedContext[K]): void }): Promise<void> {
  const cli = await locateTemporalCli();
  process.stderr.write(`[test] Temporal CLI: ${cli.version.split('\n')[0]} (${cli.path})\n`);
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-test-'));
  const [port, bundle] = await Promise.all([
    freePort(),
    bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'workflows', 'index.ts'), ...workflowBundleOptions(), logger: quietLogger }),
  ]);
  server = await startDevServer({ temporalPath: cli.path, port, namespace: 'default' });
  const bundlePath = path.join(tmpDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', 'default');
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalCliPath', cli.path);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

const noop = (): void => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
