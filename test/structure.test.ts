import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ALL_FAILURE_TYPES } from '../common/failures';

/** The layers point down: client → workers → activities → stores → platform → common (config is data over common). */
const root = path.resolve(__dirname, '..');

function sourceFiles(under: RegExp): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  return out.split('\n').filter((file) => file.endsWith('.ts') && under.test(file) && fs.existsSync(path.join(root, file)));
}

/** Every module a file loads (static, side-effect, dynamic, require, re-export). */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\brequire\(\s*|\bimport\s*\(\s*|\bimport\s+)['"`]([^'"`]+)['"`]/g)].map((m) => m[1]!);
}

/** Files under `from` that import anything under one of the `forbidden` top-level folders. */
function upwardImports(from: RegExp, forbidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(from)) {
    for (const spec of importsOf(fs.readFileSync(path.join(root, file), 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = path.relative(root, path.resolve(root, path.dirname(file), spec)).split(path.sep)[0]!;
      if (forbidden.includes(target)) found.push(`${file} imports ${spec}`);
    }
  }
  return found;
}

const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);

describe('layers point down', () => {
  it('no file in workers/, activities/, stores/, platform/, config/ or common/ imports from client/', () => {
    expect(sourceFiles(/^(workers|activities|config|common)\//).length).toBeGreaterThan(40);
    expect(upwardImports(/^(workers|activities|stores|platform|config|common)\//, ['client'])).toEqual([]);
  });

  it('activities/ import neither workers/ nor client/; stores/ and platform/ import nothing above them', () => {
    expect(upwardImports(/^activities\//, ['client', 'workers'])).toEqual([]);
    expect(upwardImports(/^(stores|platform)\//, ['client', 'workers', 'activities'])).toEqual([]);
    expect(upwardImports(/^platform\//, ['stores'])).toEqual([]);
  });

  it('common/ imports nothing from the project above it', () => {
    expect(upwardImports(/^common\//, ['client', 'workers', 'activities', 'stores', 'platform', 'config', 'workflows'])).toEqual([]);
  });

  it('the scan sees an upward import', () => {
    expect(importsOf("import { queueStatus } from '../client/queue-admin';\nconst x = await import('node:fs');")).toEqual(['../client/queue-admin', 'node:fs']);
  });
});

describe('common/ is pure', () => {
  const files = sourceFiles(/^common\//);

  it('no file in common/ imports a Node built-in', () => {
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) => importsOf(fs.readFileSync(path.join(root, file), 'utf8')).filter(isBuiltin).map((spec) => `${file} imports ${spec}`));
    expect(found).toEqual([]);
  });

  it('no file in common/ uses process', () => {
    // Comments may say "process"; code may not touch the global.
    const code = (file: string) => fs.readFileSync(path.join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(files.filter((file) => /\bprocess\s*[.[]/.test(code(file)))).toEqual([]);
  });

  const eslint = new ESLint({ cwd: root });
  const lint = async (code: string) => {
    const [result] = await eslint.lintText(`${code}\nexport const probe = 1;\n`, { filePath: path.join(root, 'common/lint-probe.ts') });
    return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`).join('\n');
  };

  it.each([
    ["import * as fs from 'node:fs';", /no Node built-ins/],
    ["import { join } from 'path';", /no Node built-ins/],
    ['export const home = process.env.HOME;', /no-restricted-globals/],
    ["import { Client } from '@temporalio/client';", /@temporalio\/common/],
    ["import { queueStatus } from '../client/queue-admin';", /bottom layer/],
    ["import { loadEnv } from '../platform/env';", /bottom layer/],
    ["import { FileLedger } from '../stores/ledger';", /bottom layer/],
  ])('lint refuses `%s` in common/', async (code, message) => {
    expect(await lint(code)).toMatch(message);
  });

  it('lint allows zod and @temporalio/common in common/', async () => {
    expect(await lint("import { z } from 'zod';\nimport { SearchAttributeType } from '@temporalio/common';\nexport const s = [z, SearchAttributeType];")).not.toMatch(/no-restricted/);
  });
});

/**
 * Where a module calls zod outside any function, so the call runs at module load: in the workflow
 * bundle that is once per workflow run (the reusable V8 context evaluates every module per run).
 * test/schema-builds.test.ts sees what a real run builds through common/lazy.ts; this sees raw zod.
 */
function zodAtLoad(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const zodNames = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || (statement.moduleSpecifier as ts.StringLiteral).text !== 'zod') continue;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;
    if (clause.name) zodNames.add(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) zodNames.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) if (!element.isTypeOnly) zodNames.add(element.name.text);
  }
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isInterfaceDeclaration(node)) return;
    if (ts.isIdentifier(node) && zodNames.has(node.text)) {
      let statement: ts.Node = node;
      while (statement.parent !== source) statement = statement.parent;
      found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${statement.getText().split('\n')[0]!.slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('zod schemas are built on first use, not at module load', () => {
  it('no module in common/ or workflows/ calls zod outside a function', () => {
    const files = sourceFiles(/^(common|workflows)\//);
    expect(files.filter((file) => /from 'zod'/.test(fs.readFileSync(path.join(root, file), 'utf8'))).length).toBeGreaterThan(8);
    expect(files.flatMap((file) => zodAtLoad(file, fs.readFileSync(path.join(root, file), 'utf8')))).toEqual([]);
  });

  it('the scan sees a schema built at load, and not one built in a function or a type', () => {
    const probe = [
      "import { z } from 'zod';",
      "import { lazily } from './lazy';",
      "const eager = z.string().min(1);",
      "export const onFirstUse = lazily('probe', () => z.object({ a: z.string() }));",
      'export function build() { return z.number(); }',
      'export type Probe = z.infer<ReturnType<typeof onFirstUse>>;',
      "export const alsoEager = { field: z.enum(['a']) };",
    ].join('\n');
    expect(zodAtLoad('common/probe.ts', probe)).toEqual(['common/probe.ts:3: const eager = z.string().min(1);', "common/probe.ts:7: export const alsoEager = { field: z.enum(['a']) };"]);
  });
});

describe('one failure vocabulary', () => {
  it('every failure type name is spelled once, in common/failures.ts', () => {
    expect(ALL_FAILURE_TYPES.length).toBeGreaterThan(25);
    expect(new Set(ALL_FAILURE_TYPES).size).toBe(ALL_FAILURE_TYPES.length);
    const files = sourceFiles(/^(activities|bench|client|common|config|deploy|platform|stores|workers|workflows)\//).filter((file) => file !== 'common/failures.ts');
    expect(files.length).toBeGreaterThan(60);
    const found: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      for (const type of ALL_FAILURE_TYPES) if (new RegExp(`['"]${type}['"]`).test(text)) found.push(`${file}: '${type}'`);
    }
    expect(found).toEqual([]);
  });

  it('the vocabulary module really holds them', () => {
    const text = fs.readFileSync(path.join(root, 'common/failures.ts'), 'utf8');
    for (const type of ALL_FAILURE_TYPES) expect(text).toContain(`'${type}'`);
  });
});
