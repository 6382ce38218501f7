import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkKb } from '../client/kb-check';
import { assertValidContracts } from '../common/reliability-contract';
import { WORKFLOW_CONTRACTS } from '../common/workflow-contracts';
import { runCliCaptured } from './support/cli';

const root = path.resolve(__dirname, '..');
const contracts = assertValidContracts(WORKFLOW_CONTRACTS);
const copies: string[] = [];

/** A copy of the template and kb/ with one artifact edited. */
function brokenRepo(file: string, edit: (text: string) => string | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-kb-'));
  copies.push(dir);
  fs.cpSync(path.join(root, 'templates'), path.join(dir, 'templates'), { recursive: true });
  fs.cpSync(path.join(root, 'kb'), path.join(dir, 'kb'), { recursive: true });
  const target = path.join(dir, file);
  const edited = edit(fs.readFileSync(target, 'utf8'));
  if (edited === undefined) fs.rmSync(target);
  else fs.writeFileSync(target, edited);
  return dir;
}

afterEach(() => {
  for (const dir of copies.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('kb check', () => {
  it('passes on the real artifacts, one per prod workflow', () => {
    const result = checkKb({ root, contracts });
    expect(result.problems).toEqual([]);
    expect(result.checked.sort()).toEqual(['kb/comms-draft.md', 'kb/decision-brief.md', 'kb/donor-digest.md', 'kb/grant-deadline-watch.md', 'kb/ops-monitor.md']);
  });

  it.each([
    ['a missing artifact', 'kb/ops-monitor.md', () => undefined, /kb\/ops-monitor\.md: missing/],
    ['an empty section', 'kb/donor-digest.md', (t: string) => t.replace(/(## Rollback path\n)[\s\S]*?(\n## )/, '$1\n<!-- later -->\n$2'), /kb\/donor-digest\.md: section "## Rollback path" is empty/],
    ['a missing section', 'kb/donor-digest.md', (t: string) => t.replace('## Failure alerts', '## Alerts'), /section "## Failure alerts" is missing/],
    ['a wrong retry count', 'kb/grant-deadline-watch.md', (t: string) => t.replace('`retry.maximumAttempts`: 3', '`retry.maximumAttempts`: 5'), /`retry\.maximumAttempts` says "5" but the contract .* says "3"/],
    ['a wrong timeout', 'kb/comms-draft.md', (t: string) => t.replace('`approval.timeout`: 24h', '`approval.timeout`: 48h'), /`approval\.timeout` says "48h" but .* says "24h"/],
    ['a wrong fallback', 'kb/decision-brief.md', (t: string) => t.replace('`fallback.final`: template', '`fallback.final`: fail'), /`fallback\.final` says "fail"/],
    ['a wrong idempotency policy', 'kb/ops-monitor.md', (t: string) => t.replace('`idempotency.reusePolicy`: ALLOW_DUPLICATE_FAILED_ONLY', '`idempotency.reusePolicy`: REJECT_DUPLICATE'), /`idempotency\.reusePolicy` says "REJECT_DUPLICATE"/],
    ['a fact left out', 'kb/donor-digest.md', (t: string) => t.replace(/^- `timeout\.activity`.*\n/m, ''), /fact `timeout\.activity` is missing \(the contract says "1m"\)/],
    ['a template placeholder left in', 'kb/donor-digest.md', (t: string) => t.replace('Mara Lindqvist (owner)', '{{ owner }}'), /unfilled template placeholder/],
    ['an unknown fact', 'kb/donor-digest.md', (t: string) => t.replace('- `lane`: prod', '- `lane`: prod\n- `retry.maxAttempts`: 3'), /unknown fact `retry\.maxAttempts`/],
  ])('fails on %s', (_what, file, edit, message) => {
    const result = checkKb({ root: brokenRepo(file, edit), contracts });
    expect(result.problems.join('\n')).toMatch(message);
  });

  it('accepts an equal duration written differently', () => {
    const dir = brokenRepo('kb/donor-digest.md', (t) => t.replace('`timeout.workflow`: 1h', '`timeout.workflow`: 60m'));
    expect(checkKb({ root: dir, contracts }).problems).toEqual([]);
  });

  it('`civicos kb check` exits 0 on the repo and 1 on a broken copy', async () => {
    const passed = await runCliCaptured('kb', 'check');
    expect(passed).toMatchObject({ code: 0 });
    expect(passed.out).toMatch(/kb check passed: 5 artifacts/);
    const broken = brokenRepo('kb/comms-draft.md', (t) => t.replace('`retry.maximumAttempts`: 3', '`retry.maximumAttempts`: 4'));
    const failed = await runCliCaptured('kb', 'check', '--root', broken);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/kb check failed \(1 problems\)[\s\S]*comms-draft\.md.*retry\.maximumAttempts/);
  });
});
