import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { DEV_SERVER_DYNAMIC_CONFIG, waitForTemporal } from '../temporal/dev-server';
import { isAlive, startDetached, stopProcess, tail, waitFor, type ManagedProcess } from './processes';

const execFileAsync = promisify(execFile);
const INSTALL_SCRIPT = path.join(__dirname, 'install-temporal-server.sh');

/** The services of a Temporal cluster; the cluster runs each as its own process. */
export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/**
 * Dynamic config of the cluster: the dev server's (one partition per task queue so priority
 * holds and a rate limit of 0 pauses a lane; fresh backlog stats; fast transfer queue) — the
 * production server must honour the same promises.
 */
export const CLUSTER_DYNAMIC_CONFIG: Record<string, unknown> = { ...DEV_SERVER_DYNAMIC_CONFIG };

export interface TemporalPorts {
  frontendGrpc: number;
  frontendHttp: number;
  frontendMembership: number;
  historyGrpc: number;
  historyMembership: number;
  matchingGrpc: number;
  matchingMembership: number;
  workerGrpc: number;
  workerMembership: number;
  /** Prometheus endpoint of each service process. */
  metrics: Record<TemporalService, number>;
}

export interface TemporalClusterConfig {
  /** Folder of the cached build: bin/temporal-server, bin/temporal-sql-tool, schema/. */
  installDir: string;
  /** Our folder: config/, logs/. */
  dir: string;
  ports: TemporalPorts;
  postgres: { port: number; password: string };
  /** Fixed at the first start: history shards can never change for a cluster's lifetime. */
  numHistoryShards: number;
}

/** Runs the project's install script (cache → go install) and returns the install folder. */
export async function installTemporalServer(): Promise<string> {
  const { stdout, stderr } = await execFileAsync('bash', [INSTALL_SCRIPT], { maxBuffer: 1 << 20, timeout: 45 * 60_000 });
  process.stderr.write(stderr);
  const dir = stdout.trim().split('\n').pop() ?? '';
  if (!dir) throw new Error(`${INSTALL_SCRIPT} printed no folder; run it by hand to see why`);
  return dir;
}

export const configFile = (config: TemporalClusterConfig, service: TemporalService): string => path.join(config.dir, 'config', `temporal-${service}.yaml`);
export const dynamicConfigFile = (config: TemporalClusterConfig): string => path.join(config.dir, 'config', 'dynamic-config.yaml');
export const frontendAddress = (config: TemporalClusterConfig): string => `127.0.0.1:${config.ports.frontendGrpc}`;

function datastore(config: TemporalClusterConfig, database: string, maxConns: number): string {
  return `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "127.0.0.1:${config.postgres.port}"
        connectProtocol: "tcp"
        user: "temporal"
        password: "${config.postgres.password}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
}

/**
 * The server's static config: PostgreSQL persistence + advanced visibility, loopback ports. One
 * file per service process, differing only in the metrics port (all share 127.0.0.1).
 */
export function renderServerConfig(config: TemporalClusterConfig, service: TemporalService): string {
  const p = config.ports;
  const rpc = (grpc: number, membership: number, http?: number): string =>
    `    rpc:\n      grpcPort: ${grpc}\n      membershipPort: ${membership}\n      bindOnIP: "127.0.0.1"${http ? `\n      httpPort: ${http}` : ''}`;
  return `# Written by deploy/cluster (npm run cluster:up); regenerated on every start.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${config.numHistoryShards}
  datastores:
    postgres-default:
${datastore(config, 'temporal', 20)}
    postgres-visibility:
${datastore(config, 'temporal_visibility', 10)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${p.metrics[service]}"

services:
  frontend:
${rpc(p.frontendGrpc, p.frontendMembership, p.frontendHttp)}
  history:
${rpc(p.historyGrpc, p.historyMembership)}
  matching:
${rpc(p.matchingGrpc, p.matchingMembership)}
  worker:
${rpc(p.workerGrpc, p.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p.frontendGrpc}"
      httpAddress: "127.0.0.1:${p.frontendHttp}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${dynamicConfigFile(config)}"
  pollInterval: "10s"
`;
}

export function renderDynamicConfig(values: Record<string, unknown> = CLUSTER_DYNAMIC_CONFIG): string {
  const lines = ['# Written by deploy/cluster: the dynamic config the platform relies on (see README "Production shape").'];
  for (const [key, value] of Object.entries(values)) lines.push(`${key}:`, `  - value: ${JSON.stringify(value)}`);
  return `${lines.join('\n')}\n`;
}

export function writeConfig(config: TemporalClusterConfig): void {
  fs.mkdirSync(path.dirname(dynamicConfigFile(config)), { recursive: true, mode: 0o700 });
  // The files hold the database password: readable by their owner only.
  for (const service of TEMPORAL_SERVICES) fs.writeFileSync(configFile(config, service), renderServerConfig(config, service), { mode: 0o600 });
  fs.writeFileSync(dynamicConfigFile(config), renderDynamicConfig());
}

/** temporal-sql-tool: `setup-schema -v 0.0` once, then `update-schema` to the module's newest version. */
export async function setupSchemas(config: TemporalClusterConfig): Promise<string[]> {
  const tool = path.join(config.installDir, 'bin', 'temporal-sql-tool');
  const done: string[] = [];
  for (const [database, schema] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(config.postgres.port), '-u', 'temporal', '--db', database];
    const env = { ...process.env, SQL_PASSWORD: config.postgres.password };
    const exec = async (args: string[]): Promise<string> => {
      try {
        const { stdout, stderr } = await execFileAsync(tool, [...base, ...args], { env, maxBuffer: 4 << 20 });
        return stdout + stderr;
      } catch (error) {
        const e = error as { stderr?: string; stdout?: string };
        throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
      }
    };
    // setup-schema -v 0.0 only creates the version table; it is a no-op error once it exists.
    await exec(['setup-schema', '-v', '0.0']).catch((error: Error) => {
      if (!/already exists/i.test(error.message)) throw error;
    });
    await exec(['update-schema', '-d', path.join(config.installDir, 'schema', 'postgresql', 'v12', schema, 'versioned')]);
    done.push(database);
  }
  return done;
}

export function startTemporalService(config: TemporalClusterConfig, service: TemporalService): ManagedProcess {
  return startDetached(`temporal-${service}`, [path.join(config.installDir, 'bin', 'temporal-server'), '--config-file', configFile(config, service), '--allow-no-auth', 'start', '--service', service], {
    logDir: path.join(config.dir, 'logs'),
  });
}

/** Starts the four services (history first: matching and frontend look it up) and waits for SERVING. */
export async function startTemporal(config: TemporalClusterConfig, timeoutMs = 120_000): Promise<Record<TemporalService, ManagedProcess>> {
  writeConfig(config);
  const started = {} as Record<TemporalService, ManagedProcess>;
  try {
    // History first, alone: on a new database the first service to start writes the cluster
    // metadata, and several starting at once race for it (duplicate key, one of them exits).
    started.history = startTemporalService(config, 'history');
    const historyUp = await waitFor(async () => !isAlive(started.history.pid) || (await listening(config.ports.historyGrpc)), timeoutMs, 200);
    if (!historyUp || !isAlive(started.history.pid)) throw new Error(`temporal history did not come up on :${config.ports.historyGrpc}`);
    for (const service of ['matching', 'worker', 'frontend'] as const) started[service] = startTemporalService(config, service);
    const healthy = waitForTemporal(frontendAddress(config), timeoutMs);
    // Fail as soon as a service exits (a bad config, a port taken) rather than at the timeout.
    const exited = new Promise<never>((_, reject) => {
      const timer = setInterval(() => {
        const dead = TEMPORAL_SERVICES.find((s) => started[s] && !isAlive(started[s].pid));
        if (dead) reject(new Error(`temporal ${dead} exited during start-up`));
      }, 500);
      void healthy.finally(() => clearInterval(timer));
    });
    await Promise.race([healthy, exited]);
  } catch (error) {
    const launched = TEMPORAL_SERVICES.filter((s) => started[s]);
    const logs = launched.map((s) => `--- ${s}${isAlive(started[s].pid) ? '' : ' (exited)'}:\n${tail(started[s].log, 8)}`).join('\n');
    await Promise.all(launched.map((s) => stopProcess(started[s].pid)));
    throw new Error(`${(error as Error).message}\n${logs}`);
  }
  return started;
}

export async function stopTemporal(pids: Partial<Record<TemporalService, number>>): Promise<void> {
  // Frontend first (no new requests), then the rest together.
  await stopProcess(pids.frontend);
  await Promise.all((['matching', 'history', 'worker'] as const).map((s) => stopProcess(pids[s])));
}

/** Registers the namespace (idempotent) and our search attributes as Keyword. */
export async function ensureNamespace(address: string, namespace: string, retentionDays = 3): Promise<{ created: boolean; searchAttributes: string[] }> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    let created = true;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) }).catch((error: unknown) => {
      if (!/already exists|AlreadyExists/i.test(String(error))) throw error;
      created = false;
    });
    const wanted = ALL_SEARCH_ATTRIBUTES.map((key) => key.name);
    await retry(async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = wanted.filter((name) => !(name in (customAttributes ?? {})));
      if (missing.length === 0) return;
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
      });
    }, 60_000);
    // A new namespace is served once the frontend's namespace cache refreshes: wait for a list call with our attributes.
    await retry(async () => {
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: 'Lane = "prod"' });
    }, 60_000);
    return { created, searchAttributes: wanted };
  } finally {
    await connection.close();
  }
}

async function retry(attempt: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
