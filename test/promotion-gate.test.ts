import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingStore } from '../stores/routing-store';
import { runPromotionGate } from '../client/promotion';
import type { PromotionGateInput, PromotionReport } from '../common/promotion/gate';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { DEFAULT_MODELS, startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startOpenAISimulator, type OpenAISimulator } from '../deploy/dev/openai-simulator';
import { startPlatform } from './support/platform';
import { scriptedJudge, scriptedModel, testBattery } from './support/promotion-scripts';
import { connectTest, type TestTemporal } from './support/temporal';

const root = path.resolve(__dirname, '..');
const CLOUD_KEY = 'sk-test-promotion-gate-0000000000';
let temporal: TestTemporal;
let sim: OllamaSimulator;
let cloud: OpenAISimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let store: RoutingStore;

const CANDIDATES = ['cand-better:7b', 'cand-fast-poor:1b', 'cand-broken:7b', 'cand-smoke-fails:7b'];
const criterion = (report: PromotionReport, name: string) => report.criteria.find((c) => c.name === name)!;

function gate(candidate: string, overrides: Partial<PromotionGateInput> = {}): Promise<{ report: PromotionReport }> {
  const [provider, ...model] = candidate.split(':');
  return runPromotionGate(temporal.client, {
    alias: 'local/qwen-14b',
    candidate: { provider: provider!, model: model.join(':') },
    battery: testBattery,
    runs: 1,
    judge: 'local/mistral-small',
    apply: false,
    requestedBy: 'test',
    ...overrides,
  }, { pollMs: 200 });
}

function civicos(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin', 'civicos.js'), ...args], { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, CIVICOS_DATA_DIR: platform.env.dataDir, CIVICOS_LOG_LEVEL: 'error' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

beforeAll(async () => {
  process.env.CIVICOS_CLOUD_KEY_TEST_PROMO = CLOUD_KEY;
  temporal = await connectTest({ namespace: 'test-promotion-gate' });
  sim = await startOllamaSimulator({
    parallel: 2,
    tokensPerSecond: 0,
    ttftMs: 5,
    models: [...DEFAULT_MODELS, ...CANDIDATES],
    scripted: {
      'qwen3:14b': scriptedModel('weak', 100),
      'mistral-small3.2:24b': scriptedJudge,
      'cand-better:7b': scriptedModel('strong', 400),
      'cand-fast-poor:1b': scriptedModel('weak', 2000),
      'cand-broken:7b': scriptedModel('strong', 400, { failJson: true }),
      // Good on the battery, but an empty reply to the smoke test: the promoted version fails its smoke.
      'cand-smoke-fails:7b': scriptedModel('strong', 400, { other: '' }),
    },
  });
  cloud = await startOpenAISimulator({ apiKey: CLOUD_KEY });
  // A cloud candidate's calls go out as a director_request by the gate's requester, who must be a listed director.
  platform = await startPlatform(temporal, [{ name: 'promo-host', url: sim.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_DIRECTORS: 'test' } });
  store = new RoutingStore(platform.env.dataDir);
  const base = DEFAULT_ROUTING_MATRIX;
  store.set({
    ...base,
    providers: {
      ...base.providers,
      // Prices far above the real ones, so the battery's tokens project past the envelope.
      'cloud-openai': { ...base.providers['cloud-openai']!, baseUrl: cloud.url, apiKeyEnv: 'CIVICOS_CLOUD_KEY_TEST_PROMO', pricePer1kInputTokensUsd: 5, pricePer1kOutputTokensUsd: 20 },
    },
  }, 'test');
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await cloud?.close();
  await temporal?.close();
  delete process.env.CIVICOS_CLOUD_KEY_TEST_PROMO;
});

describe('the promotion gate on scripted models (real Temporal, simulated Ollama and cloud)', () => {
  it('a clearly better candidate passes all five through `civicos promote`; rollback is tested for real and the incumbent is left in place', async () => {
    const before = store.current().version;
    const run = await civicos(['promote', '--alias', 'local/qwen-14b', '--candidate', 'ollama-local:cand-better:7b', '--runs', '1', '--json']);
    expect(run.code, run.err).toBe(0);
    // A progress line per task while it ran (on stderr with --json).
    expect(run.err.match(/^task \d+\/12 /gm)).toHaveLength(12);
    const report = JSON.parse(run.out) as PromotionReport;
    expect(report.verdict).toBe('pass');
    expect(report.criteria.map((c) => [c.name, c.pass])).toEqual([['completion', true], ['latency', true], ['quality', true], ['cost', true], ['rollback', true]]);
    expect(criterion(report, 'quality').numbers).toMatchObject({ wins: 12, losses: 0, judgementsParsed: 24 });
    expect(Number(criterion(report, 'quality').numbers.signTestP)).toBeCloseTo(1 / 4096, 6);
    expect(Number(criterion(report, 'latency').numbers.improvement)).toBeGreaterThan(0.2);
    // The judge's own "winner" always contradicts its scores: the gate used the scores.
    expect(report.tasks.every((t) => t.judgements.every((j) => j.ok && j.candidateScore === 1 && j.incumbentScore === 0.25))).toBe(true);
    // Rollback for real: a version with the promotion record was written, smoked, rolled back, smoked; pointer back.
    expect(report.rollback.map((s) => [s.step.replace(/v\d+/, 'vN'), s.ok])).toEqual([['write promotion version', true], ['smoke on vN', true], ['roll back', true], ['smoke on vN', true], ['pointer back', true]]);
    expect(store.current().version).toBe(before);
    const tested = report.promotion.testedVersion!;
    const promoted = JSON.parse(fs.readFileSync(path.join(platform.env.dataDir, 'routing', 'versions', `${tested}.json`), 'utf8')) as { aliases: Record<string, { model: string }>; promotions: Array<{ evidence: string }> };
    expect(promoted.aliases['local/qwen-14b']!.model).toBe('cand-better:7b');
    expect(promoted.promotions.at(-1)!.evidence).toBe(report.reportPaths.markdown);
    expect(store.history().slice(-2).map((e) => [e.action, e.version])).toEqual([['set', tested], ['rollback', before]]);
    for (const file of Object.values(report.reportPaths)) expect(fs.existsSync(path.join(platform.env.dataDir, file))).toBe(true);
    const html = fs.readFileSync(path.join(platform.env.dataDir, report.reportPaths.html), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Verdict: PASS');

    // The same candidate and battery version again: attaches to the finished run, nothing re-run.
    const requests = sim.records.length;
    const again = await civicos(['promote', '--alias', 'local/qwen-14b', '--candidate', 'ollama-local:cand-better:7b', '--runs', '1']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('verdict: PASS');
    expect(again.out).toContain('attached to the existing gate run');
    expect(sim.records.length).toBe(requests);

    // --apply on the finished pass: its tested version becomes current, without running the battery again.
    const apply = await civicos(['promote', '--alias', 'local/qwen-14b', '--candidate', 'ollama-local:cand-better:7b', '--runs', '1', '--apply']);
    expect(apply.code, apply.err).toBe(0);
    expect(apply.out).toContain(`applied the tested promotion: routing matrix v${tested} is current`);
    expect(store.current().matrix.aliases['local/qwen-14b']!.model).toBe('cand-better:7b');
    expect(sim.records.length).toBe(requests);
    const back = await civicos(['routing', 'rollback', '--no-smoke']);
    expect(back.code, back.err).toBe(0);
    expect(store.current().version).toBe(before);
  }, 300_000);

  it('a faster but worse candidate fails quality (latency passes); nothing is written to the matrix', async () => {
    const before = store.current().version;
    const { report } = await gate('ollama-local:cand-fast-poor:1b', { tasks: 4, runs: 2 });
    expect(report.verdict).toBe('fail');
    expect(criterion(report, 'latency').pass).toBe(true);
    expect(criterion(report, 'quality').pass).toBe(false);
    expect(report.failed.find((f) => f.name === 'quality')!.shortfall).toMatch(/short of \+15\.0 %/);
    expect(criterion(report, 'rollback')).toMatchObject({ pass: false, evaluated: false });
    expect(store.current().version).toBe(before);
  }, 300_000);

  it('a candidate that fails tasks fails completion, by how much', async () => {
    const { report } = await gate('ollama-local:cand-broken:7b', { tasks: 4 });
    expect(report.verdict).toBe('fail');
    const completion = criterion(report, 'completion');
    expect(completion.pass).toBe(false);
    // Tasks 4 round-robin: one JSON task of four (short-classify-ticket) fails.
    expect(completion.numbers).toMatchObject({ incumbentRate: 1, candidateRate: 0.75, failedCandidateRuns: 1 });
    expect(completion.shortfall).toBe('25.0 points below the incumbent');
  }, 300_000);

  it('a cloud candidate over the envelope fails cost, with the overshoot', async () => {
    const { report } = await gate('cloud-openai:gpt-4.1-mini', { tasks: 4 });
    expect(report.candidate.placement).toBe('cloud');
    const cost = criterion(report, 'cost');
    expect(cost.pass).toBe(false);
    expect(Number(cost.numbers.projectedMonthlyUsd)).toBeGreaterThan(50);
    expect(cost.shortfall).toMatch(/USD\/month over the 50 USD envelope/);
    expect(cloud.requests.filter((r) => r.authorized && r.status === 200).length).toBeGreaterThanOrEqual(4);
  }, 300_000);

  it('a rollback test whose smoke fails on the new version fails the gate and leaves the incumbent in place', async () => {
    const before = store.current();
    const { report } = await gate('ollama-local:cand-smoke-fails:7b', { apply: true });
    expect(report.criteria.slice(0, 4).every((c) => c.pass)).toBe(true);
    const rollback = criterion(report, 'rollback');
    expect(rollback.pass).toBe(false);
    expect(report.verdict).toBe('fail');
    expect(report.rollback.find((s) => s.step.startsWith('smoke on') && !s.ok)!.detail).toMatch(/instead of local\/qwen-14b|quality gate/);
    expect(report.promotion.applied).toBe(false);
    expect(store.current().version).toBe(before.version);
    expect(store.current().matrix.aliases['local/qwen-14b']!.model).toBe('qwen3:14b');
  }, 300_000);

  it('refuses a judge that is the candidate, and bad flags, with exit 2 and nothing started', async () => {
    const judge = await civicos(['promote', '--alias', 'local/qwen-14b', '--candidate', 'ollama-local:mistral-small3.2:24b', '--judge', 'local/mistral-small']);
    expect(judge.code).toBe(2);
    expect(judge.err).toContain('judge: local/mistral-small resolves to the candidate itself');
    const runs = await civicos(['promote', '--alias', 'local/qwen-14b', '--candidate', 'ollama-local:x:1b', '--runs', '0']);
    expect(runs.code).toBe(2);
    expect(runs.err).toContain('--runs 0');
    const candidate = await civicos(['promote', '--alias', 'local/qwen-14b', '--candidate', 'nocolon']);
    expect(candidate.code).toBe(2);
    expect(candidate.err).toContain('expected <provider>:<model>');
  }, 120_000);
  it('with --apply a passing gate leaves the tested version applied, its promotion record pointing at the report', async () => {
    const before = store.current().version;
    const { report } = await gate('ollama-local:cand-better:7b', { runs: 2, apply: true });
    expect(report.verdict).toBe('pass');
    expect(report.promotion.applied).toBe(true);
    expect(report.rollback.map((s) => s.step).at(-1)).toBe('re-apply (--apply)');
    const current = store.current();
    expect(current.version).toBe(report.promotion.testedVersion);
    expect(current.version).toBeGreaterThan(before);
    expect(current.matrix.aliases['local/qwen-14b']!.model).toBe('cand-better:7b');
    expect(current.matrix.promotions.at(-1)).toMatchObject({ provider: 'ollama-local', lane: 'prod', approvedBy: 'test', evidence: report.reportPaths.markdown });
    // Variance over the k = 2 runs is reported per task (scripted replies: none).
    expect(report.tasks.every((t) => t.candidate.runs.length === 2 && t.candidate.qualityStdDev === 0)).toBe(true);
  }, 300_000);
});
