import * as os from 'node:os';
import * as path from 'node:path';
import { RoutingStore } from '../../stores/routing-store';
import { BATTERY_V1 } from '../../config/battery/v1';
import { validateBattery } from '../../common/promotion/battery';
import { checkGateRequest, parseCandidate, type PromotionGateInput } from '../../common/promotion/gate';
import { runPromotionGate } from '../promotion';
import { CliUsageError, ExitWith, type RegisterCommand } from './context';
import { readJsonFile } from './infer';

/** Exit code of a gate that ran and failed (0 = pass; 2 = bad input; 1 = could not run). */
export const PROMOTION_FAIL_EXIT = 3;

const whole = (flag: string, min: number, max: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliUsageError(`${flag} ${value}: must be a whole number from ${min} to ${max}`);
  return n;
};

/** `civicos promote --alias A --candidate provider:model [...]`: the promotion gate, its report, the verdict as exit code. */
export const registerPromote: RegisterCommand = (program, ctx) => {
  program
    .command('promote')
    .description('Promotion gate: battery on incumbent and candidate, judged rubric, five criteria, rollback tested; exit 0 pass, 3 fail')
    .requiredOption('--alias <alias>', 'the alias to promote a new target for, e.g. local/qwen-14b')
    .requiredOption('--candidate <provider:model>', 'the candidate route, e.g. ollama-local:gemma3:270m or cloud-openai:gpt-4.1-mini')
    .option('--battery <file>', 'a battery JSON file (default: the shipped battery v1)')
    .option('--runs <k>', 'runs per task and side, temperature 0', whole('--runs', 1, 10), 3)
    .option('--judge <alias>', 'alias of the judge (not the candidate; preferably another model family)', 'local/mistral-small')
    .option('--tasks <n>', 'reduce the battery to n tasks, round-robin over the four categories', whole('--tasks', 1, 1000))
    .option('--requests-per-day <n>', 'requests a day the alias would send the candidate, for cost and quota (default: the cloud policy\'s daily limit)', whole('--requests-per-day', 1, 10_000_000))
    .option('--apply', 'after a pass, leave the tested promotion applied (default: rolled back after its test)')
    .option('--by <name>', 'who asks (the promotion record\'s approvedBy)', `${os.userInfo().username}@${os.hostname()}`)
    .option('--json', 'print the report as JSON')
    .action(async (options: { alias: string; candidate: string; battery?: string; runs: number; judge: string; tasks?: number; requestsPerDay?: number; apply?: boolean; by: string; json?: boolean }) => {
      const candidate = parseCandidate(options.candidate);
      if (!candidate) throw new CliUsageError(`--candidate ${options.candidate}: expected <provider>:<model>, e.g. ollama-local:gemma3:270m`);
      const battery = validateBattery(options.battery ? readJsonFile(options.battery, 'a battery (see config/battery/v1.ts)') : BATTERY_V1);
      if (!battery.ok) throw new CliUsageError(`--battery: refused:\n  - ${battery.problems.join('\n  - ')}`);
      const { matrix } = new RoutingStore(ctx.env().dataDir).current();
      const checked = checkGateRequest({ alias: options.alias, candidate, judge: options.judge }, matrix);
      if (!checked.ok) throw new CliUsageError(checked.problems.map((p) => `--${p}`).join('\n'));
      for (const warning of checked.warnings) process.stderr.write(`warning: ${warning}\n`);
      const input: PromotionGateInput = {
        alias: options.alias,
        candidate,
        battery: battery.value,
        runs: options.runs,
        judge: options.judge,
        ...(options.tasks === undefined ? {} : { tasks: options.tasks }),
        ...(options.requestsPerDay === undefined ? {} : { requestsPerDay: options.requestsPerDay }),
        apply: options.apply === true,
        requestedBy: options.by,
      };
      const out = (line: string): void => void (options.json ? process.stderr : process.stdout).write(`${line}\n`);
      const { workflowId, attached, report } = await runPromotionGate(await ctx.client(), input, {
        onProgress: (progress, tasks) => {
          let n = progress.done - tasks.length;
          for (const t of tasks) {
            n += 1;
            out(`task ${n}/${progress.total} ${t.taskId} (${t.category}): quality ${t.candidateQuality.toFixed(3)} vs ${t.incumbentQuality.toFixed(3)} → ${t.winner}; p50 ${Math.round(t.candidateLatencyMs)} vs ${Math.round(t.incumbentLatencyMs)} ms${t.failedCandidateRuns ? `; ${t.failedCandidateRuns} candidate run(s) failed` : ''}`);
          }
        },
      });
      if (attached) out(`attached to the existing gate run ${workflowId}`);
      const dataDir = ctx.env().dataDir;
      if (options.apply && report.verdict === 'pass' && !report.promotion.applied && report.promotion.testedVersion !== undefined) {
        // A finished pass without --apply: make its tested (smoked, rolled-back) version current, if nothing moved since.
        const store = new RoutingStore(dataDir);
        const { version } = store.current();
        if (version !== report.matrixVersion) throw new CliUsageError(`--apply: the routing matrix moved from v${report.matrixVersion} (gated) to v${version}; run the gate again on the current version`);
        const applied = store.reapply(report.promotion.testedVersion, options.by);
        report.promotion = { ...report.promotion, applied: true, currentVersion: applied.version };
        out(`applied the tested promotion: routing matrix v${applied.version} is current (was v${version}); roll back with \`civicos routing rollback\``);
      }
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        process.stdout.write(`${report.criteria.map((c) => `${c.pass ? 'PASS' : c.evaluated ? 'FAIL' : 'SKIP'} ${c.name.padEnd(10)} ${c.summary}`).join('\n')}\n`);
        process.stdout.write(`verdict: ${report.verdict.toUpperCase()}${report.failed.length ? ` (failed: ${report.failed.map((f) => `${f.name}: ${f.shortfall}`).join('; ')})` : ''}\n`);
        process.stdout.write(`report: ${path.join(dataDir, report.reportPaths.markdown)} (+ .json, .html)\n`);
      }
      if (report.verdict !== 'pass') throw new ExitWith(PROMOTION_FAIL_EXIT);
    });
};
