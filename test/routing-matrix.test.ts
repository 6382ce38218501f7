import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RoutingMatrixError, RoutingStore } from '../stores/routing-store';
import { decideCloud } from '../common/cloud-policy';
import { qualityGateFailure } from '../common/quality-gate';
import { providerHostProblems, validateRoutingMatrix, type ProviderHostPolicy, type RoutingMatrix } from '../common/routing-matrix';
import { resolveChain } from '../common/route-chain';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';

const matrix = (): RoutingMatrix => {
  const v = validateRoutingMatrix(DEFAULT_ROUTING_MATRIX);
  if (!v.ok) throw new Error(v.problems.join('; '));
  return v.value;
};
// Tests mutate arbitrary fields of a matrix to prove validation catches them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('routing matrix: alias resolution', () => {
  it.each([
    ['local/qwen-14b', ['ollama-local:qwen3:14b', 'ollama-local:mistral-small3.2:24b', 'cloud-openai:gpt-4.1-mini']],
    ['local/mistral-small', ['ollama-local:mistral-small3.2:24b', 'cloud-openai:gpt-4.1-mini']],
    ['local/qwen-coder-32b', ['ollama-local:qwen2.5-coder:32b', 'ollama-local:qwen3:14b', 'ollama-local:mistral-small3.2:24b', 'cloud-openai:gpt-4.1-mini']],
    ['local/qwen2.5-14b', ['ollama-local:qwen2.5:14b', 'ollama-local:qwen3:14b', 'ollama-local:mistral-small3.2:24b', 'cloud-openai:gpt-4.1-mini']],
    ['cloud/premium', ['cloud-openai:gpt-4.1-mini']],
    ['pilot/llamacpp-qwen', ['llamacpp-pilot:qwen3-14b-q4_k_m', 'ollama-local:qwen3:14b', 'ollama-local:mistral-small3.2:24b', 'cloud-openai:gpt-4.1-mini']],
    ['qwen3:8b', ['ollama-local:qwen3:8b']],
  ])('%s resolves to its chain', (alias, expected) => {
    expect(resolveChain(matrix(), alias).map((r) => `${r.provider}:${r.model}`)).toEqual(expected);
  });

  it('visits each alias once even when fallbacks form a cycle', () => {
    const m = matrix();
    m.aliases['local/mistral-small']!.fallback = ['local/qwen-14b'];
    expect(resolveChain(m, 'local/qwen-14b').map((r) => r.alias)).toEqual(['local/qwen-14b', 'local/mistral-small']);
  });
});

describe('routing matrix: validation names the field', () => {
  it.each<[string, (m: Loose) => void, RegExp]>([
    ['unknown provider', (m) => (m.aliases['local/qwen-14b'].provider = 'nope'), /aliases\.local\/qwen-14b\.provider: "nope" is not a provider/],
    ['fallback to a missing alias', (m) => (m.aliases['local/qwen-14b'].fallback = ['local/ghost']), /aliases\.local\/qwen-14b\.fallback\.0: "local\/ghost" is not an alias/],
    ['pilot in prod without promotion', (m) => (m.providers['llamacpp-pilot'].lanes = ['experimental', 'prod']), /providers\.llamacpp-pilot\.lanes: .*experimental only; add a promotions entry/],
    ['cloud without key variable', (m) => delete m.providers['cloud-openai'].apiKeyEnv, /providers\.cloud-openai\.apiKeyEnv: is required for a cloud provider/],
    ['bad alias name', (m) => (m.aliases['Qwen 14B'] = { provider: 'ollama-local', model: 'x' }), /aliases\.Qwen 14B/],
    ['unknown default provider', (m) => (m.defaultProvider = 'ghost'), /defaultProvider: "ghost" is not a provider/],
    ['negative budget', (m) => (m.cloud.monthlyBudgetUsd = -1), /cloud\.monthlyBudgetUsd/],
    ['unknown field', (m) => (m.colour = 'blue'), /colour|Unrecognized key/i],
    ['a key variable outside the prefix', (m) => (m.providers['cloud-openai'].apiKeyEnv = 'TEMPORAL_API_KEY'), /providers\.cloud-openai\.apiKeyEnv: must name a variable starting CIVICOS_CLOUD_KEY_/],
    ['a key variable that is any env var', (m) => (m.providers['cloud-openai'].apiKeyEnv = 'AWS_SECRET_ACCESS_KEY'), /apiKeyEnv: must name a variable starting CIVICOS_CLOUD_KEY_/],
    ['cloud over plain http', (m) => (m.providers['cloud-openai'].baseUrl = 'http://api.openai.com/v1'), /providers\.cloud-openai\.baseUrl: a cloud provider must use https:\/\//],
    ['credentials in a provider URL', (m) => (m.providers['llamacpp-pilot'].baseUrl = 'http://pilot:s3cr3t-PASS@127.0.0.1:8081/v1'), /providers\.llamacpp-pilot\.baseUrl: must not carry credentials/],
  ])('refuses %s', (_name, mutate, message) => {
    const m = clone(DEFAULT_ROUTING_MATRIX) as Loose;
    mutate(m);
    const result = validateRoutingMatrix(m);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problems.join('\n')).toMatch(message);
    expect(result.ok ? '' : result.problems.join('\n')).not.toContain('s3cr3t');
  });

  it.each<[string, (m: Loose) => void, ProviderHostPolicy, RegExp | undefined]>([
    ['a local pilot on loopback', () => undefined, { localHosts: [], allowLoopbackHttpCloud: false }, undefined],
    ['a local pilot off the machine', (m) => (m.providers['llamacpp-pilot'].baseUrl = 'http://203.0.113.9:8081/v1'), { localHosts: [], allowLoopbackHttpCloud: false }, /providers\.llamacpp-pilot\.baseUrl: a local provider must be on loopback or on a host listed in CIVICOS_LOCAL_PROVIDER_HOSTS \(203\.0\.113\.9 is neither\)/],
    ['a local pilot on an allow-listed LAN host', (m) => (m.providers['llamacpp-pilot'].baseUrl = 'http://gpu-a.lan:8081/v1'), { localHosts: ['gpu-a.lan'], allowLoopbackHttpCloud: false }, undefined],
    ['the cloud simulator on loopback http without the dev/test allowance', (m) => (m.providers['cloud-openai'].baseUrl = 'http://127.0.0.1:9999/v1'), { localHosts: [], allowLoopbackHttpCloud: false }, /providers\.cloud-openai\.baseUrl: a cloud provider must use https:\/\/; plain http on loopback is for the dev\/test simulator only/],
    ['the cloud simulator on loopback http with the allowance', (m) => (m.providers['cloud-openai'].baseUrl = 'http://127.0.0.1:9999/v1'), { localHosts: [], allowLoopbackHttpCloud: true }, undefined],
  ])('host policy: %s', (_name, mutate, policy, problem) => {
    const m = clone(DEFAULT_ROUTING_MATRIX) as Loose;
    mutate(m);
    const v = validateRoutingMatrix(m);
    expect(v.ok, v.ok ? '' : v.problems.join('; ')).toBe(true);
    const problems = v.ok ? providerHostProblems(v.value, policy) : [];
    if (problem) expect(problems.join('\n')).toMatch(problem);
    else expect(problems).toEqual([]);
  });

  it('accepts the pilot in prod once a promotion record exists', () => {
    const m = clone(DEFAULT_ROUTING_MATRIX) as Loose;
    m.providers['llamacpp-pilot'].lanes = ['experimental', 'prod'];
    m.promotions = [{ provider: 'llamacpp-pilot', lane: 'prod', approvedBy: 'dana', at: '2026-11-20T09:00:00Z', evidence: 'promotion-gate report #12' }];
    expect(validateRoutingMatrix(m).ok).toBe(true);
  });
});

describe('cloud policy: every combination', () => {
  const director = { requested_by: 'director.okafor', reason: 'board pack tonight' };
  it.each([
    [false, false, false, false, 'not_eligible'],
    [true, false, false, true, 'premium_task_class'],
    [false, true, false, true, 'local_gate_failed'],
    [false, false, true, true, 'director_request'],
    [true, true, false, true, 'premium_task_class'],
    [true, false, true, true, 'premium_task_class'],
    [false, true, true, true, 'local_gate_failed'],
    [true, true, true, true, 'premium_task_class'],
  ])('premium=%s localFailed=%s director=%s → allowed=%s (%s)', (premium, localFailed, asked, allowed, reason) => {
    const decision = decideCloud({ taskClass: premium ? 'premium_synthesis' : 'summary', premiumTaskClasses: ['premium_synthesis'], localFailed, directorRequest: asked ? director : undefined, directors: ['director.okafor'] });
    expect(decision.allowed).toBe(allowed);
    expect(decision.reason).toBe(reason);
  });

  it('a director_request needs a director listed in CIVICOS_DIRECTORS; the reason is redacted and capped', () => {
    const key = ['sk', 'proj', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6'].join('-');
    const base = { taskClass: 'summary', premiumTaskClasses: [], localFailed: false };
    const unlisted = decideCloud({ ...base, directorRequest: { requested_by: 'intern.bob', reason: 'please' }, directors: ['director.okafor'] });
    expect(unlisted).toMatchObject({ allowed: false, reason: 'not_eligible' });
    expect(unlisted.detail).toMatch(/director_request by intern\.bob refused: not a director listed in CIVICOS_DIRECTORS/);
    const listed = decideCloud({ ...base, directorRequest: { requested_by: 'director.okafor', reason: `use ${key} ${'x'.repeat(600)}` }, directors: ['director.okafor'] });
    expect(listed.allowed).toBe(true);
    expect(listed.detail).not.toContain(key.slice(0, 12));
    expect(listed.detail.length).toBeLessThan(300);
  });
});

describe('quality gate', () => {
  it.each([
    ['empty', 'text', '   ', 'stop', 'empty reply'],
    ['invalid JSON', 'json', '{"a":', 'stop', 'reply is not valid JSON'],
    ['truncated JSON', 'json', '{"a": "b', 'length', 'JSON reply truncated by max_tokens'],
    ['good JSON', 'json', '{"a": 1}', 'stop', undefined],
    ['truncated text passes', 'text', 'a cut sentence', 'length', undefined],
  ] as const)('%s', (_name, format, text, doneReason, expected) => {
    expect(qualityGateFailure({ format }, { text, doneReason })).toBe(expected);
  });
});

describe('routing store: versions, pointer, rollback', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-routing-'));
    dirs.push(dir);
    return dir;
  };
  const fresh = () => new RoutingStore(tempDir());
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('seeds version 1, sets new versions and rolls back to the previous one', () => {
    const store = fresh();
    expect(store.current().version).toBe(1);
    const v2 = clone(DEFAULT_ROUTING_MATRIX);
    v2.aliases['local/qwen-14b']!.model = 'qwen3:14b-q8_0';
    expect(store.set(v2, 'dana')).toEqual({ version: 2, previous: 1 });
    expect(store.current().matrix.aliases['local/qwen-14b']!.model).toBe('qwen3:14b-q8_0');
    expect(store.rollback('dana')).toEqual({ version: 1, from: 2 });
    expect(store.current().matrix.aliases['local/qwen-14b']!.model).toBe('qwen3:14b');
    expect(store.history().map((e) => `${e.action}:${e.version}`)).toEqual(['seed:1', 'set:2', 'rollback:1']);
    expect(() => store.rollback('dana')).toThrow(/nothing to roll back to/);
  });

  it('refuses an invalid matrix and keeps the current version in force', () => {
    const store = fresh();
    const bad = clone(DEFAULT_ROUTING_MATRIX) as Loose;
    bad.aliases['local/qwen-14b'].fallback = ['local/ghost'];
    expect(() => store.set(bad, 'dana')).toThrow(RoutingMatrixError);
    expect(() => store.set('not a matrix', 'dana')).toThrow(RoutingMatrixError);
    expect(store.current().version).toBe(1);
  });

  it('refuses to roll back onto a corrupt version file', () => {
    const dir = tempDir();
    const store = new RoutingStore(dir);
    store.set(clone(DEFAULT_ROUTING_MATRIX), 'dana');
    fs.writeFileSync(path.join(dir, 'routing', 'versions', '1.json'), '{ corrupt');
    expect(() => store.rollback('dana')).toThrow(/1\.json: unreadable or not JSON/);
    expect(store.current().version).toBe(2);
  });

  it('sees at once every change another store (another process) makes to the pointer (it re-reads the file when its stat changed)', () => {
    const dir = tempDir();
    const worker = new RoutingStore(dir);
    const cli = new RoutingStore(dir);
    expect(worker.current().version).toBe(1);
    // Changes land within a millisecond of the read before them (same mtime to the ms), and each is seen.
    for (let round = 0; round < 20; round++) {
      expect(cli.set(clone(DEFAULT_ROUTING_MATRIX), 'dana').version).toBe(round + 2);
      expect(worker.current().version).toBe(round + 2);
      expect(cli.rollback('dana').version).toBe(round + 1);
      expect(worker.current().version).toBe(round + 1);
      cli.reapply(round + 2, 'dana');
      expect(worker.current().version).toBe(round + 2);
    }
    // A hand edit in place (same inode) too.
    fs.writeFileSync(path.join(dir, 'routing', 'current.json'), JSON.stringify({ stack: [1, 2], updatedAt: new Date().toISOString(), by: 'hand edit' }));
    expect(worker.current().version).toBe(2);
  });
});
