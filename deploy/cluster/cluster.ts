import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../temporal/dev-server';
import { isAlive, killProcess, stopProcess } from './processes';
import { ensureTemporalDatabases, initPostgres, postgresPid, startPostgres, stopPostgres, type PostgresConfig } from './postgres';
import { modelHostsEnv, REPO_ROOT, startSimulatedHost, startWorker, type SimulatedHost, type WorkerSpec } from './platform';
import { installTemporalUi, startTemporalUi } from './temporal-ui';
import { ensureNamespace, frontendAddress, installTemporalServer, setupSchemas, startTemporal, stopTemporal, TEMPORAL_SERVICES, type TemporalClusterConfig, type TemporalPorts, type TemporalService } from './temporal-server';
import { resolveCodecKeys } from '../../platform/codec';

const execFileAsync = promisify(execFile);

/**
 * The local production topology, kept in `<dir>/state.json` (default .data/cluster):
 * PostgreSQL → Temporal (frontend, history, matching, worker: one process each) → the platform
 * (two simulated model hosts, the workflow worker, one inference worker per host).
 */
export interface ClusterState {
  dir: string;
  namespace: string;
  postgres: PostgresConfig;
  temporal: Omit<TemporalClusterConfig, 'postgres'> & { pids: Partial<Record<TemporalService, number>> };
  /** The Web UI server; `error` says why there is none. */
  ui: { dir: string; port: number; pid?: number; error?: string };
  platform: {
    dataDir: string;
    hosts: SimulatedHost[];
    workers: Array<WorkerSpec & { pid?: number; metricsPort: number; host?: string }>;
  };
}

export const DEFAULT_CLUSTER_DIR = path.join(REPO_ROOT, '.data', 'cluster');
export const clusterDir = (): string => path.resolve(process.env.CIVICOS_CLUSTER_DIR ?? DEFAULT_CLUSTER_DIR);
const stateFile = (dir: string): string => path.join(dir, 'state.json');
export const logDir = (state: Pick<ClusterState, 'dir'>): string => path.join(state.dir, 'logs');
export const temporalAddressOf = (state: ClusterState): string => frontendAddress(temporalConfig(state));

export function loadState(dir = clusterDir()): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export function saveState(state: ClusterState): void {
  fs.mkdirSync(state.dir, { recursive: true });
  // Holds the database password: readable by its owner only.
  fs.writeFileSync(stateFile(state.dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function temporalConfig(state: ClusterState): TemporalClusterConfig {
  return { ...state.temporal, postgres: { port: state.postgres.port, password: state.postgres.password } };
}

/** Ports 20000–32767: free ones are found by trying to listen (the kernel's ephemeral range starts higher). */
const LOW_PORTS = { min: 20_000, max: 32_767 };

async function portIsFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePorts<K extends string>(keys: readonly K[], range?: { min: number; max: number }): Promise<Record<K, number>> {
  const out = {} as Record<K, number>;
  const taken = new Set<number>();
  const pick = async (): Promise<number> => {
    if (!range) return await freePort();
    for (;;) {
      const port = range.min + Math.floor(Math.random() * (range.max - range.min));
      if (await portIsFree(port)) return port;
    }
  };
  for (const key of keys) {
    let port = await pick();
    while (taken.has(port)) port = await pick();
    taken.add(port);
    out[key] = port;
  }
  return out;
}

/**
 * The PostgreSQL folder: inside the cluster folder, unless the server user (as root: `postgres`)
 * cannot reach it (a checkout under /root, say): then a folder of its own under the system's temp dir.
 */
async function postgresDir(dir: string): Promise<string> {
  const inside = path.join(dir, 'postgres');
  if (process.getuid?.() !== 0) return inside;
  fs.mkdirSync(dir, { recursive: true });
  try {
    await execFileAsync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir]);
    return inside;
  } catch {
    return path.join(os.tmpdir(), `civicos-cluster-postgres-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  }
}

/** A new state with free ports and a fresh password (first `cluster:up` on this folder). */
async function newState(dir: string, installDir: string): Promise<ClusterState> {
  const { stdout } = await execFileAsync('bash', [path.join(__dirname, 'install-postgres.sh')]);
  const binDir = stdout.trim().split('\n').pop() ?? '';
  const rpc = await freePorts(['frontendGrpc', 'frontendHttp', 'historyGrpc', 'matchingGrpc', 'workerGrpc'] as const);
  // Membership ports are stored in PostgreSQL as smallint: they must be below 32768.
  const membership = await freePorts(['frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership'] as const, LOW_PORTS);
  const metrics = await freePorts(TEMPORAL_SERVICES);
  const ports: TemporalPorts = { ...rpc, ...membership, metrics };
  const other = await freePorts(['postgres', 'hostA', 'hostB', 'metricsWf', 'metricsA', 'metricsB', 'ui'] as const);
  const hosts: SimulatedHost[] = [
    { name: 'gpu-a', port: other.hostA, slots: 2, tokensPerSecond: 100, ttftMs: 50 },
    { name: 'gpu-b', port: other.hostB, slots: 2, tokensPerSecond: 100, ttftMs: 50 },
  ];
  return {
    dir,
    namespace: 'default',
    postgres: { binDir, dir: await postgresDir(dir), port: other.postgres, password: randomBytes(18).toString('base64url') },
    temporal: { installDir, dir: path.join(dir, 'temporal'), ports, numHistoryShards: 4, pids: {} },
    ui: { dir: path.join(dir, 'temporal-ui'), port: other.ui },
    platform: {
      dataDir: path.join(dir, 'platform'),
      hosts,
      workers: [
        { name: 'workflows', role: 'workflows', metricsPort: other.metricsWf, env: {} },
        { name: 'inference-gpu-a', role: 'inference', host: 'gpu-a', metricsPort: other.metricsA, env: {} },
        { name: 'inference-gpu-b', role: 'inference', host: 'gpu-b', metricsPort: other.metricsB, env: {} },
      ],
    },
  };
}

/** The environment of one worker process: everything it knows about the cluster. */
export function workerEnv(state: ClusterState, worker: ClusterState['platform']['workers'][number], extra: Record<string, string> = {}): Record<string, string> {
  const hosts = worker.host ? state.platform.hosts.filter((h) => h.name === worker.host) : state.platform.hosts;
  return {
    TEMPORAL_ADDRESS: temporalAddressOf(state),
    TEMPORAL_NAMESPACE: state.namespace,
    CIVICOS_DATA_DIR: state.platform.dataDir,
    CIVICOS_MODEL_HOSTS: modelHostsEnv(hosts),
    CIVICOS_METRICS_PORT: String(worker.metricsPort),
    CIVICOS_LOG_LEVEL: 'info',
    CIVICOS_MONITOR_INTERVAL_MS: '1000',
    ...(process.env.CIVICOS_ALERT_WEBHOOK ? { CIVICOS_ALERT_WEBHOOK: process.env.CIVICOS_ALERT_WEBHOOK } : {}),
    // Payload keys: the caller's CIVICOS_CODEC_KEYS, else the key file platformUp made in the shared data dir.
    ...(process.env.CIVICOS_CODEC_KEYS ? { CIVICOS_CODEC_KEYS: process.env.CIVICOS_CODEC_KEYS } : {}),
    ...extra,
  };
}

export type Say = (line: string) => void;

/** Brings every part up (idempotent: parts already running are kept) and saves the state. */
export async function clusterUp(options: { dir?: string; platform?: boolean; say?: Say } = {}): Promise<ClusterState> {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = path.resolve(options.dir ?? clusterDir());
  const t0 = Date.now();
  const installDir = await installTemporalServer();
  const state = loadState(dir) ?? (await newState(dir, installDir));
  state.temporal.installDir = installDir;
  state.ui ??= { dir: path.join(dir, 'temporal-ui'), port: await freePort() }; // a state from before the UI
  saveState(state);

  if (await initPostgres(state.postgres)) say(`postgres: initdb ${state.postgres.dir}/data`);
  await startPostgres(state.postgres);
  const createdDbs = await ensureTemporalDatabases(state.postgres, ['temporal', 'temporal_visibility']);
  say(`postgres: 127.0.0.1:${state.postgres.port} pid ${postgresPid(state.postgres)} (${path.basename(path.dirname(state.postgres.binDir))} from ${state.postgres.binDir}; databases temporal, temporal_visibility${createdDbs.length ? `, created ${createdDbs.join(', ')}` : ''})`);

  const config = temporalConfig(state);
  await setupSchemas(config);
  if (TEMPORAL_SERVICES.some((s) => !isAlive(state.temporal.pids[s]))) {
    await stopTemporal(state.temporal.pids);
    const started = await startTemporal(config);
    state.temporal.pids = Object.fromEntries(TEMPORAL_SERVICES.map((s) => [s, started[s].pid]));
    saveState(state);
  }
  const ns = await ensureNamespace(frontendAddress(config), state.namespace);
  say(`temporal ${path.basename(installDir).replace('temporal-server-', '')}: frontend ${frontendAddress(config)} (http ${config.ports.frontendHttp}), history :${config.ports.historyGrpc}, matching :${config.ports.matchingGrpc}, worker :${config.ports.workerGrpc}; one process per service, pids ${TEMPORAL_SERVICES.map((s) => `${s}=${state.temporal.pids[s]}`).join(' ')}; metrics http://127.0.0.1:{${TEMPORAL_SERVICES.map((s) => config.ports.metrics[s]).join(',')}}/metrics`);
  say(`temporal: namespace ${state.namespace}${ns.created ? ' (registered)' : ''}, search attributes ${ns.searchAttributes.join(', ')} (Keyword); PostgreSQL advanced visibility; ${config.numHistoryShards} history shards`);
  await uiUp(state, say);

  if (options.platform !== false) await platformUp(state, say);
  saveState(state);
  say(`cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s; state ${stateFile(dir)}; logs ${logDir(state)}, ${path.join(state.temporal.dir, 'logs')}`);
  say(`use it: TEMPORAL_ADDRESS=${temporalAddressOf(state)} npx civicos queue status`);
  return state;
}

/** The Web UI: optional (the cluster works without it), so a failed build or start is said, not thrown. */
async function uiUp(state: ClusterState, say: Say): Promise<void> {
  if (!isAlive(state.ui.pid)) {
    try {
      const binary = await installTemporalUi();
      state.ui.pid = (await startTemporalUi({ binary, dir: state.ui.dir, frontend: temporalAddressOf(state), port: state.ui.port, namespace: state.namespace })).pid;
      state.ui.error = undefined;
    } catch (error) {
      state.ui.pid = undefined;
      state.ui.error = (error as Error).message.split('\n')[0];
    }
    saveState(state);
  }
  say(state.ui.pid ? `temporal web UI: ${uiUrl(state)} pid ${state.ui.pid}` : `temporal web UI: none (${state.ui.error})`);
}

export const uiUrl = (state: ClusterState): string => `http://127.0.0.1:${state.ui.port}`;

export async function platformUp(state: ClusterState, say: Say = () => undefined): Promise<void> {
  // Every worker must encrypt with the same key: without CIVICOS_CODEC_KEYS, one generated into the shared data dir.
  if (!process.env.CIVICOS_CODEC_KEYS) resolveCodecKeys(undefined, state.platform.dataDir, { generateDevKey: true });
  for (const host of state.platform.hosts) {
    if (isAlive(host.pid)) continue;
    host.pid = (await startSimulatedHost(host, logDir(state))).pid;
    saveState(state);
    say(`model host ${host.name}: Ollama simulator http://127.0.0.1:${host.port} (${host.slots} slots) pid ${host.pid}`);
  }
  for (const worker of state.platform.workers) {
    if (isAlive(worker.pid)) continue;
    await startPlatformWorker(state, worker.name);
    say(`worker ${worker.name}: civicos worker --role ${worker.role}${worker.host ? ` (host ${worker.host})` : ''} pid ${worker.pid}; metrics http://127.0.0.1:${worker.metricsPort}/metrics`);
  }
}

export function findWorker(state: ClusterState, name: string): ClusterState['platform']['workers'][number] {
  const worker = state.platform.workers.find((w) => w.name === name);
  if (!worker) throw new Error(`no worker ${name} in the cluster (have ${state.platform.workers.map((w) => w.name).join(', ')})`);
  return worker;
}

export async function startPlatformWorker(state: ClusterState, name: string, extraEnv: Record<string, string> = {}): Promise<number> {
  const worker = findWorker(state, name);
  worker.env = workerEnv(state, worker, extraEnv);
  worker.pid = (await startWorker(worker, logDir(state))).pid;
  saveState(state);
  return worker.pid;
}

/** kill -9 of one worker process (a crash). */
export async function killPlatformWorker(state: ClusterState, name: string): Promise<void> {
  const worker = findWorker(state, name);
  await killProcess(worker.pid);
  worker.pid = undefined;
  saveState(state);
}

export async function stopPlatform(state: ClusterState): Promise<void> {
  await Promise.all(state.platform.workers.map((w) => stopProcess(w.pid, 30_000)));
  await Promise.all(state.platform.hosts.map((h) => stopProcess(h.pid)));
  for (const w of state.platform.workers) w.pid = undefined;
  for (const h of state.platform.hosts) h.pid = undefined;
  saveState(state);
}

/** Restarts the Temporal services (all four processes) on the same ports. */
export async function restartTemporal(state: ClusterState): Promise<void> {
  await stopTemporal(state.temporal.pids);
  const started = await startTemporal(temporalConfig(state));
  state.temporal.pids = Object.fromEntries(TEMPORAL_SERVICES.map((s) => [s, started[s].pid]));
  saveState(state);
}

export async function restartPostgres(state: ClusterState, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  await stopPostgres(state.postgres, mode);
  await startPostgres(state.postgres);
}

/** Stops everything, newest first; the data (PostgreSQL, platform data) stays for the next `up`. */
export async function clusterDown(options: { dir?: string; say?: Say } = {}): Promise<void> {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const state = loadState(path.resolve(options.dir ?? clusterDir()));
  if (!state) {
    say('cluster: nothing to stop (no state file)');
    return;
  }
  await stopPlatform(state);
  say('platform: workers and model hosts stopped');
  await stopProcess(state.ui.pid);
  state.ui.pid = undefined;
  await stopTemporal(state.temporal.pids);
  state.temporal.pids = {};
  saveState(state);
  say('temporal: web UI and services stopped');
  await stopPostgres(state.postgres);
  say(`postgres: stopped (data kept in ${state.postgres.dir})`);
}
