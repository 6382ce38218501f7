import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLatest, writeOutputFiles } from '../stores/outputs';
import type { WriteOutputInput } from '../common/civic-activities';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-outputs-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const output = (date: string, overrides: Partial<WriteOutputInput> = {}): WriteOutputInput => ({
  workflow: 'donor-digest',
  dir: 'donor-digest',
  workflowId: `donor-digest:${date}`,
  date,
  markdown: `# Digest ${date}`,
  data: { date, gifts: 3 },
  ...overrides,
});

describe('workflow outputs', () => {
  it('writes <dir>/<date>/<workflowId>.{md,json} and the latest pointer', async () => {
    const dataDir = tempDir();
    const result = await writeOutputFiles(dataDir, output('2026-11-24'));
    expect(result).toEqual({
      markdownPath: 'donor-digest/2026-11-24/donor-digest:2026-11-24.md',
      jsonPath: 'donor-digest/2026-11-24/donor-digest:2026-11-24.json',
      latestPath: 'donor-digest/latest.json',
      unchanged: false,
      latestUpdated: true,
    });
    const root = path.join(dataDir, 'outputs');
    expect(fs.readFileSync(path.join(root, result.markdownPath), 'utf8')).toBe('# Digest 2026-11-24\n');
    expect(JSON.parse(fs.readFileSync(path.join(root, result.jsonPath), 'utf8'))).toEqual({ date: '2026-11-24', gifts: 3 });
    expect(await readLatest(path.join(root, result.latestPath))).toMatchObject({ workflowId: 'donor-digest:2026-11-24', markdown: result.markdownPath });
  });

  it('a rerun with the same content changes nothing, not even modification times', async () => {
    const dataDir = tempDir();
    const first = await writeOutputFiles(dataDir, output('2026-11-24'));
    const root = path.join(dataDir, 'outputs');
    const stat = (p: string) => fs.statSync(path.join(root, p)).mtimeMs;
    const before = [stat(first.markdownPath), stat(first.jsonPath), stat(first.latestPath)];
    await new Promise((resolve) => setTimeout(resolve, 20)); // mtime resolution, not a wait for a condition
    const again = await writeOutputFiles(dataDir, output('2026-11-24'));
    expect(again).toMatchObject({ unchanged: true, latestUpdated: false });
    expect([stat(first.markdownPath), stat(first.jsonPath), stat(first.latestPath)]).toEqual(before);
    expect(fs.readdirSync(path.join(root, 'donor-digest', '2026-11-24')).sort()).toEqual(['donor-digest:2026-11-24.json', 'donor-digest:2026-11-24.md']);
  });

  it('a backfill of an older date does not move latest backwards', async () => {
    const dataDir = tempDir();
    await writeOutputFiles(dataDir, output('2026-11-24'));
    const older = await writeOutputFiles(dataDir, output('2026-11-20'));
    expect(older.latestUpdated).toBe(false);
    expect((await readLatest(path.join(dataDir, 'outputs', 'donor-digest', 'latest.json')))?.date).toBe('2026-11-24');
    const newer = await writeOutputFiles(dataDir, output('2026-11-25'));
    expect(newer.latestUpdated).toBe(true);
  });

  it('refuses a location that could escape the outputs folder', async () => {
    await expect(writeOutputFiles(tempDir(), output('../../etc'))).rejects.toThrow(/output location refused/);
    await expect(writeOutputFiles(tempDir(), output('2026-11-24', { dir: '../x' }))).rejects.toThrow(/output location refused/);
    const safe = await writeOutputFiles(tempDir(), output('2026-11-24', { workflowId: '../../evil/id' }));
    expect(path.posix.dirname(safe.markdownPath)).toBe('donor-digest/2026-11-24');
    expect(path.posix.basename(safe.markdownPath)).toMatch(/^[^./][^/]*\.md$/);
  });
});
