import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
/** The inference activity is the only code allowed to talk to Ollama; the simulator and tests speak its protocol. */
const ALLOWED = [/^activities\/inference\//, /^deploy\/dev\/ollama-simulator\.ts$/, /^deploy\/dev\/ollama-sim\//, /^deploy\/ollama\//, /^test\//, /^bench\//];
const FORBIDDEN: Array<[string, RegExp]> = [
  // Static, side-effect, dynamic and require loads of `ollama` or any of its entry points (`ollama/browser`).
  ['imports ollama', /(?:\bfrom\s*|\brequire\(\s*|\bimport\s*\(\s*|\bimport\s+)['"`]ollama(?:\/[^'"`]*)?['"`]/],
  ['names port 11434', /11434/],
  ['names /api/generate', /\/api\/generate/],
  ['names /api/chat', /\/api\/chat/],
  ['shells out to ollama run', /ollama\s+run\b/],
];

function trackedSourceFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  return out.split('\n').filter((file) => /\.(ts|js|mjs|cjs|sh|json|ya?ml)$/.test(file) && fs.existsSync(path.join(root, file)) && !file.endsWith('package-lock.json'));
}

describe('runtime dependencies', () => {
  it('every package the shipped code imports is a dependency, not a devDependency', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const shipped = trackedSourceFiles().filter((file) => /^(activities|client|common|config|platform|stores|workers|workflows|deploy|bin)\/.*\.(ts|js)$/.test(file));
    expect(shipped.length).toBeGreaterThan(10);
    const missing = new Set<string>();
    for (const file of shipped) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      for (const match of text.matchAll(/(?:^|[^\w.])(?:from\s*|require\(\s*|import\s*\(\s*)['"]([^'"./][^'"]*)['"]/g)) {
        const spec = match[1]!;
        if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!pkg.dependencies[name]) missing.add(`${name} (${file})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});

describe('queue contract enforcement', () => {
  it('no file outside the inference activity talks to Ollama', () => {
    const files = trackedSourceFiles();
    expect(files.length).toBeGreaterThan(10);
    const violations: string[] = [];
    for (const file of files) {
      if (ALLOWED.some((allowed) => allowed.test(file))) continue;
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      for (const [what, pattern] of FORBIDDEN) if (pattern.test(text)) violations.push(`${file} ${what}`);
    }
    expect(violations).toEqual([]);
  });

  it.each([
    "import { Ollama } from 'ollama';",
    "import { Ollama } from 'ollama/browser';",
    "import 'ollama';",
    "const { Ollama } = await import('ollama');",
    "const mod = await import(\n  'ollama/browser'\n);",
    'const mod = await import(`ollama`);',
    'const { Ollama } = require("ollama");',
    "export { Ollama } from 'ollama/browser';",
  ])('the scan catches `%s`', (code) => {
    expect(code).toMatch(FORBIDDEN[0]![1]);
  });

  it.each(["import { Ollama } from 'ollama-ai-provider';", "import { ollamaHost } from './ollama-config';", "const text = 'install ollama first';"])('the scan lets `%s` pass', (code) => {
    expect(code).not.toMatch(FORBIDDEN[0]![1]);
  });

  it('the inference activity really is where ollama is imported', () => {
    const text = fs.readFileSync(path.join(root, 'activities/inference/ollama-inference.ts'), 'utf8');
    expect(text).toMatch(FORBIDDEN[0]![1]);
  });

  const eslint = new ESLint({ cwd: root });
  const lint = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
  };

  it.each([
    ["import * as fs from 'node:fs';", /Node built-ins/],
    ["import { readFileSync } from 'fs';", /Node built-ins/],
    ["import { Client } from '@temporalio/client';", /@temporalio\/workflow/],
    ["import { Worker } from '@temporalio/worker';", /@temporalio\/workflow/],
    ["import { Context } from '@temporalio/activity';", /@temporalio\/workflow/],
    ["import { Ollama } from 'ollama';", /infer\(\)/],
    ["import { createActivities } from '../activities';", /activity types only/],
  ])('lint refuses `%s` in workflows/', async (code, message) => {
    const messages = await lint('workflows/lint-probe.ts', `${code}\nexport const probe = 1;\n`);
    expect(messages.join('\n')).toMatch(message);
  });

  it('lint allows activity types in workflows/', async () => {
    const messages = await lint('workflows/lint-probe.ts', "import type { Ledger } from '../activities';\nexport type Probe = Ledger;\n");
    expect(messages.filter((m) => m.startsWith('no-restricted-imports'))).toEqual([]);
  });

  it('lint refuses ollama outside the inference activity and floating promises anywhere', async () => {
    expect((await lint('client/lint-probe.ts', "import { Ollama } from 'ollama';\nexport const o = Ollama;\n")).join('\n')).toMatch(/Only activities\/inference/);
    expect((await lint('client/lint-probe.ts', "import { Ollama } from 'ollama/browser';\nexport const o = Ollama;\n")).join('\n')).toMatch(/Only activities\/inference/);
    const floating = await lint('client/lint-probe.ts', 'async function go(): Promise<void> {}\nexport function run(): void {\n  go();\n}\n');
    expect(floating.join('\n')).toMatch(/no-floating-promises/);
  });
});
