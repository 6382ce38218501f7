import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BURN_RATE_RULES } from '../activities/slo';
import { systemTool } from './support/system-tools';
import * as fs from 'node:fs';

const run = promisify(execFile);
const dir = path.resolve(__dirname, '..', 'deploy', 'observability');
const promtool = systemTool('promtool', 'prometheus');

describe.skipIf(promtool.skipReason !== undefined)(`deploy/observability with promtool${promtool.skipReason ? ` (skipped: ${promtool.skipReason})` : ''}`, () => {
  it('the recording and alert rules pass `promtool check rules`', async () => {
    const { stdout } = await run(promtool.path!, ['check', 'rules', path.join(dir, 'rules', 'civicos-slo.rules.yml')]);
    expect(stdout).toMatch(/SUCCESS: 36 rules found/);
  });

  it('the scrape config passes `promtool check config`', async () => {
    const { stdout } = await run(promtool.path!, ['check', 'config', path.join(dir, 'prometheus.yml')]);
    expect(stdout).toContain('is valid prometheus config file syntax');
  });

  it('the burn-rate alerts fire on known series (`promtool test rules`)', async () => {
    const { stdout } = await run(promtool.path!, ['test', 'rules', path.join(dir, 'rules', 'civicos-slo.rules.test.yml')]);
    expect(stdout).toContain('SUCCESS');
  });
});

describe('the Prometheus rules and the monitor agree', () => {
  it('use the same windows and thresholds', () => {
    const rules = fs.readFileSync(path.join(dir, 'rules', 'civicos-slo.rules.yml'), 'utf8');
    const minutes = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`);
    for (const rule of BURN_RATE_RULES) {
      for (const slo of ['prod_success', 'prod_queue_wait', 'urgent_start']) {
        expect(rules).toContain(`expr: civicos:${slo}:burn_rate${minutes(rule.longMs)} > ${rule.threshold} and civicos:${slo}:burn_rate${minutes(rule.shortMs)} > ${rule.threshold}`);
      }
    }
  });
});
