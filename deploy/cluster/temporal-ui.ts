import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { isAlive, startDetached, stopProcess, tail, waitFor, type ManagedProcess } from './processes';

const execFileAsync = promisify(execFile);
const INSTALL_SCRIPT = path.join(__dirname, 'install-temporal-ui.sh');

/** The Temporal Web UI server (built from its Go module by install-temporal-ui.sh) in front of the cluster's frontend. */
export async function installTemporalUi(): Promise<string> {
  const { stdout, stderr } = await execFileAsync('bash', [INSTALL_SCRIPT], { maxBuffer: 1 << 20, timeout: 30 * 60_000 });
  process.stderr.write(stderr);
  const binary = stdout.trim().split('\n').pop() ?? '';
  if (!binary) throw new Error(`${INSTALL_SCRIPT} printed no path; run it by hand to see why`);
  return binary;
}

export function renderUiConfig(options: { frontend: string; port: number; namespace: string }): string {
  return `# Written by deploy/cluster (npm run cluster:up).
temporalGrpcAddress: ${options.frontend}
host: 127.0.0.1
port: ${options.port}
enableUi: true
defaultNamespace: ${options.namespace}
showTemporalSystemNamespace: false
disableNewsFetch: true
notifyOnNewVersion: false
cors:
  cookieInsecure: true
`;
}

export async function startTemporalUi(options: { binary: string; dir: string; frontend: string; port: number; namespace: string }): Promise<ManagedProcess> {
  fs.mkdirSync(path.join(options.dir, 'config'), { recursive: true });
  fs.writeFileSync(path.join(options.dir, 'config', 'cluster.yaml'), renderUiConfig(options));
  const started = startDetached('temporal-ui', [options.binary, '--root', options.dir, '--config', 'config', '--env', 'cluster', 'start'], { logDir: path.join(options.dir, 'logs') });
  const url = `http://127.0.0.1:${options.port}/`;
  const ok = await waitFor(async () => !isAlive(started.pid) || (await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false)), 60_000, 250);
  if (!ok || !isAlive(started.pid)) {
    await stopProcess(started.pid);
    throw new Error(`the Web UI server did not answer at ${url}; its log:\n${tail(started.log)}`);
  }
  return started;
}
