import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * PostgreSQL from Debian's packages in a data folder of ours. initdb refuses to run as root, so
 * as root every server command runs as the `postgres` user (`runuser`), which owns the folder.
 */
export interface PostgresConfig {
  binDir: string;
  /** Owned by the server user: `data/` (the cluster) and `postgres.log`. */
  dir: string;
  port: number;
  /** Password of the `temporal` role (scram over TCP); generated once, kept in the state file. */
  password: string;
}

const asServerUser = (command: string[]): string[] => (process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...command] : command);

async function run(command: string[]): Promise<string> {
  const [file, ...args] = command;
  try {
    return (await execFileAsync(file!, args, { maxBuffer: 4 << 20 })).stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

export const dataDir = (config: PostgresConfig): string => path.join(config.dir, 'data');
export const logFile = (config: PostgresConfig): string => path.join(config.dir, 'postgres.log');

/** initdb once (scram passwords over TCP, trust over the private unix socket in our folder). */
export async function initPostgres(config: PostgresConfig): Promise<boolean> {
  if (fs.existsSync(path.join(dataDir(config), 'PG_VERSION'))) return false;
  fs.mkdirSync(config.dir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) await run(['chown', 'postgres:postgres', config.dir]);
  await run(asServerUser([path.join(config.binDir, 'initdb'), '-D', dataDir(config), '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256']));
  // Listen on loopback only, the socket in our folder (not /var/run/postgresql), room for Temporal's pools.
  fs.appendFileSync(
    path.join(dataDir(config), 'postgresql.conf'),
    `\n# civicos local cluster\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${config.dir}'\nmax_connections = 200\nfsync = on\n`,
  );
  return true;
}

export async function startPostgres(config: PostgresConfig): Promise<void> {
  if (await postgresRunning(config)) return;
  await run(asServerUser([path.join(config.binDir, 'pg_ctl'), '-D', dataDir(config), '-l', logFile(config), '-o', `-p ${config.port}`, '-w', '-t', '60', 'start']));
}

/** `fast`: a clean shutdown; `immediate`: like a crash (recovery from WAL on the next start). */
export async function stopPostgres(config: PostgresConfig, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  if (!(await postgresRunning(config))) return;
  await run(asServerUser([path.join(config.binDir, 'pg_ctl'), '-D', dataDir(config), '-m', mode, '-w', '-t', '60', 'stop']));
}

export async function postgresRunning(config: PostgresConfig): Promise<boolean> {
  if (!fs.existsSync(path.join(dataDir(config), 'PG_VERSION'))) return false;
  try {
    await run(asServerUser([path.join(config.binDir, 'pg_ctl'), '-D', dataDir(config), 'status']));
    return true;
  } catch {
    return false;
  }
}

export function postgresPid(config: PostgresConfig): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir(config), 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** Runs SQL as the superuser over the unix socket in our folder. */
export async function psql(config: PostgresConfig, sql: string, database = 'postgres'): Promise<string> {
  const psqlBin = fs.existsSync(path.join(config.binDir, 'psql')) ? path.join(config.binDir, 'psql') : 'psql';
  return await run(asServerUser([psqlBin, '-h', config.dir, '-p', String(config.port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-tAq', '-c', sql]));
}

/** The `temporal` role and the `temporal` + `temporal_visibility` databases (idempotent). */
export async function ensureTemporalDatabases(config: PostgresConfig, databases: string[]): Promise<string[]> {
  const created: string[] = [];
  const literal = config.password.replace(/'/g, "''");
  const role = (await psql(config, "SELECT 1 FROM pg_roles WHERE rolname = 'temporal'")).trim();
  await psql(config, role ? `ALTER ROLE temporal WITH LOGIN PASSWORD '${literal}'` : `CREATE ROLE temporal WITH LOGIN PASSWORD '${literal}'`);
  for (const db of databases) {
    const exists = (await psql(config, `SELECT 1 FROM pg_database WHERE datname = '${db}'`)).trim();
    if (!exists) {
      await psql(config, `CREATE DATABASE ${db} OWNER temporal`);
      created.push(db);
    }
  }
  return created;
}
