import { parseArgs } from 'node:util';
import { clusterUp } from '../../deploy/cluster/cluster';
import { CASES, runCase, type ChaosCase } from './cases';
import { connectChaos, type ChaosResult } from './harness';

/**
 * `npm run chaos [-- --case NAME ...] [--kills 20] [--host-down-s 60]`: the chaos suite against the
 * local cluster (brought up if it is not), one case after the other, then a table of figures.
 * host-down and host-hangs hold the outage behaviour (issue 12) on the cluster.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      case: { type: 'string', multiple: true },
      kills: { type: 'string', default: '20' },
      'host-down-s': { type: 'string', default: '60' },
      'per-second': { type: 'string', default: '4' },
    },
  });
  const selected = (values.case ?? [...CASES]) as ChaosCase[];
  const unknown = selected.filter((c) => !CASES.includes(c));
  if (unknown.length) {
    process.stderr.write(`unknown case ${unknown.join(', ')}; cases: ${CASES.join(', ')}\n`);
    process.exit(2);
  }
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  // Idempotent: keeps what runs, starts what does not.
  const state = await clusterUp({ say });
  const ctx = await connectChaos(state, say);
  const rows: ChaosResult[] = [];
  try {
    for (const name of selected) {
      say(`▶ ${name}`);
      const t0 = Date.now();
      try {
        rows.push(await runCase(ctx, name, { kills: Number(values.kills), hostDownMs: Number(values['host-down-s']) * 1000, perSecond: Number(values['per-second']) }));
      } catch (error) {
        rows.push({ case: name, requests: 0, lost: -1, duplicated: -1, recoverMs: null, notes: [`case failed: ${(error as Error).message.split('\n')[0]}`] });
      }
      say(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await ctx.close();
  }
  say('');
  say(table(rows));
  if (rows.some((r) => r.lost !== 0 || r.duplicated !== 0)) process.exitCode = 1;
}

function table(rows: ChaosResult[]): string {
  const header = ['case', 'requests', 'lost', 'duplicated', 'time to recover'];
  const body = rows.map((r) => [r.case, String(r.requests), r.lost < 0 ? 'ERR' : String(r.lost), r.duplicated < 0 ? 'ERR' : String(r.duplicated), r.recoverMs === null ? '—' : `${(r.recoverMs / 1000).toFixed(1)} s`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)} ` : ` ${'-'.repeat(w)}:`)).join('|')}|`, ...body.map(line)];
  out.push('', ...rows.flatMap((r) => r.notes.map((n) => `- ${r.case}: ${n}`)));
  return out.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
