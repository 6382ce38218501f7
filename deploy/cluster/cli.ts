import * as fs from 'node:fs';
import { clusterDir, clusterDown, clusterUp, loadState, temporalAddressOf, uiUrl } from './cluster';
import { isAlive } from './processes';
import { postgresPid } from './postgres';

/**
 * `npm run cluster:up | cluster:down | cluster:status` — the local production topology.
 * `cluster:up -- --no-platform` starts PostgreSQL and Temporal only. `cluster:down -- --purge`
 * also deletes the cluster's folder (database included).
 */
async function main(argv: string[]): Promise<void> {
  const [command, ...flags] = argv;
  if (command === 'up') {
    await clusterUp({ platform: !flags.includes('--no-platform') });
  } else if (command === 'down') {
    await clusterDown();
    if (flags.includes('--purge')) {
      const state = loadState();
      if (state) fs.rmSync(state.postgres.dir, { recursive: true, force: true });
      fs.rmSync(clusterDir(), { recursive: true, force: true });
      process.stdout.write(`deleted ${clusterDir()}\n`);
    }
  } else if (command === 'status') {
    const state = loadState();
    if (!state) {
      process.stdout.write('cluster: not set up (npm run cluster:up)\n');
      return;
    }
    const mark = (pid: number | undefined): string => (isAlive(pid) ? `up (pid ${pid})` : 'down');
    process.stdout.write(`postgres 127.0.0.1:${state.postgres.port}: ${mark(postgresPid(state.postgres))}\n`);
    for (const [service, pid] of Object.entries(state.temporal.pids)) process.stdout.write(`temporal ${service}: ${mark(pid)}\n`);
    process.stdout.write(`temporal frontend: ${temporalAddressOf(state)}\n`);
    process.stdout.write(`temporal web UI ${uiUrl(state)}: ${mark(state.ui?.pid)}\n`);
    for (const host of state.platform.hosts) process.stdout.write(`model host ${host.name} http://127.0.0.1:${host.port}: ${mark(host.pid)}\n`);
    for (const worker of state.platform.workers) process.stdout.write(`worker ${worker.name}: ${mark(worker.pid)}\n`);
  } else {
    process.stderr.write('usage: tsx deploy/cluster/cli.ts up [--no-platform] | down [--purge] | status\n');
    process.exit(2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`cluster: ${(error as Error).message}\n`);
  process.exit(1);
});
