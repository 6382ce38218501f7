import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ALL_FAILURE_TYPES } from '../common/failures';
import * as workflows from '../workflows';
import { PRELOADED_MODULES } from '../workers/workflow-worker';

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
 * zod in the workflow bundle: the reusable V8 context evaluates every module of the bundle again
 * for each workflow run, so a module that imports zod as a value makes every run evaluate zod, and
 * a schema built outside a function is built by every run. Schema modules import zod's types only
 * and call common/zod.ts's `zod()` (a require on first use) inside functions.
 * test/schema-builds.test.ts sees what a real run builds and loads; this scan sees the source.
 */
function zodAtLoad(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const accessors = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const from = (statement.moduleSpecifier as ts.StringLiteral).text;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const bindings = clause.namedBindings;
    const values = [
      ...(clause.name ? [clause.name.text] : []),
      ...(bindings && ts.isNamespaceImport(bindings) ? [bindings.name.text] : []),
      ...(bindings && ts.isNamedImports(bindings) ? bindings.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text) : []),
    ];
    if (from === 'zod' && values.length > 0) found.push(`${file}:${source.getLineAndCharacterOfPosition(statement.getStart()).line + 1}: ${statement.getText()} (a value import of zod: use zod() from common/zod.ts)`);
    if (/(^|\/)zod$/.test(from) && from.startsWith('.') && values.includes('zod')) accessors.add('zod');
  }
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isInterfaceDeclaration(node)) return;
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && accessors.has(node.expression.text)) {
      let statement: ts.Node = node;
      while (statement.parent !== source) statement = statement.parent;
      found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${statement.getText().split('\n')[0]!.slice(0, 80)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('zod is loaded and its schemas built on first use, not at module load', () => {
  it('no module in common/ or workflows/ imports zod as a value or calls zod() outside a function', () => {
    const files = sourceFiles(/^(common|workflows)\//).filter((file) => file !== 'common/zod.ts');
    expect(files.filter((file) => /\bzod\(\)/.test(fs.readFileSync(path.join(root, file), 'utf8'))).length).toBeGreaterThan(7);
    expect(files.flatMap((file) => zodAtLoad(file, fs.readFileSync(path.join(root, file), 'utf8')))).toEqual([]);
  });

  it('the scan sees a value import of zod and a schema built at load, and not one built in a function or a type', () => {
    const probe = [
      "import type { z } from 'zod';",
      "import { zod } from './zod';",
      "import { lazily } from './lazy';",
      'const eager = zod().string().min(1);',
      "export const onFirstUse = lazily('probe', () => zod().object({ a: zod().string() }));",
      'export function build() { return zod().number(); }',
      'export type Probe = z.infer<ReturnType<typeof onFirstUse>>;',
      "export const alsoEager = { field: zod().enum(['a']) };",
    ].join('\n');
    expect(zodAtLoad('common/probe.ts', probe)).toEqual(['common/probe.ts:4: const eager = zod().string().min(1);', "common/probe.ts:8: export const alsoEager = { field: zod().enum(['a']) };"]);
    expect(zodAtLoad('common/probe.ts', "import { z } from 'zod';\nexport function f() { return z.string(); }")).toEqual([
      "common/probe.ts:1: import { z } from 'zod'; (a value import of zod: use zod() from common/zod.ts)",
    ]);
  });
});

/** Modules a file imports as values (type-only imports and exports left out). */
function valueImportsOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  return source.statements.flatMap((statement) => {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      return typeOnly ? [] : [(statement.moduleSpecifier as ts.StringLiteral).text];
    }
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) return [(statement.moduleSpecifier as ts.StringLiteral).text];
    return [];
  });
}

/** Why a module may not be shared by every run of a V8 context (empty: it may). */
function notShareable(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  // A `let`, or a `const` holding an empty collection to fill (a cache, a log): state every run would share.
  const emptyCollection = (init: ts.Expression | undefined): boolean =>
    !!init &&
    ((ts.isArrayLiteralExpression(init) && init.elements.length === 0) ||
      (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && ['Map', 'Set', 'WeakMap', 'WeakSet'].includes(init.expression.text)));
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const mutable = !(statement.declarationList.flags & ts.NodeFlags.Const) || statement.declarationList.declarations.some((d) => emptyCollection(d.initializer));
    if (mutable) found.push(`${file}: module-level ${statement.getText().split('\n')[0]!.slice(0, 60)} (state shared by every run)`);
  }
  for (const spec of valueImportsOf(file, text)) {
    if (spec.startsWith('.')) {
      const target = path.relative(root, path.resolve(root, path.dirname(file), spec));
      if (!(PRELOADED_MODULES as readonly string[]).includes(target)) found.push(`${file} imports ${spec}, which is not preloaded (its state would be shared too)`);
    } else if (spec !== '@temporalio/common' && !(spec === '@temporalio/workflow' && file.startsWith('workflows/'))) found.push(`${file} imports ${spec} as a value`);
  }
  return found;
}

describe('modules shared by every run of a V8 context are pure', () => {
  it('each preloaded module keeps no module-level state and imports only preloaded modules (and the SDK, which the SDK shares itself)', () => {
    expect(PRELOADED_MODULES.length).toBeGreaterThan(5);
    const problems = PRELOADED_MODULES.flatMap((module) => {
      const file = `${module}.ts`;
      return notShareable(file, fs.readFileSync(path.join(root, file), 'utf8'));
    });
    expect(problems).toEqual([]);
  });

  it('the check sees module-level state (a let, an empty collection to fill) and an import of a module that is not preloaded', () => {
    const probe = [
      "import type { z } from 'zod';",
      "import { lazily } from './lazy';",
      "import { LANES } from './lanes';",
      'let calls = 0;',
      'const fixed = 1;',
      "const KINDS = ['a', 'b'];",
      'const seen: string[] = [];',
      'const cache = new Map<string, number>();',
      "export { builtSoFar } from './lazy';",
    ].join('\n');
    expect(notShareable('common/probe.ts', probe)).toEqual([
      'common/probe.ts: module-level let calls = 0; (state shared by every run)',
      'common/probe.ts: module-level const seen: string[] = []; (state shared by every run)',
      'common/probe.ts: module-level const cache = new Map<string, number>(); (state shared by every run)',
      "common/probe.ts imports ./lazy, which is not preloaded (its state would be shared too)",
      "common/probe.ts imports ./lazy, which is not preloaded (its state would be shared too)",
    ]);
    expect(notShareable('common/probe.ts', "import { sleep } from '@temporalio/workflow';")).toEqual(['common/probe.ts imports @temporalio/workflow as a value']);
  });
});

describe('the workflows barrel loads a CivicOS workflow only when it runs', () => {
  it('evaluates only the request modules with the barrel; every other workflow is a function that requires its module on call', () => {
    const barrel = fs.readFileSync(path.join(root, 'workflows/index.ts'), 'utf8');
    const source = ts.createSourceFile('workflows/index.ts', barrel, ts.ScriptTarget.ES2022, true);
    const valueModules = source.statements.flatMap((statement) => {
      const from = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier ? (statement.moduleSpecifier as ts.StringLiteral).text : undefined;
      const typeOnly = ts.isImportDeclaration(statement) ? !!statement.importClause?.isTypeOnly : ts.isExportDeclaration(statement) && statement.isTypeOnly;
      return from && !typeOnly ? [from] : [];
    });
    expect(valueModules).toEqual(['./inference-request', './inference-collector']);
    // Every workflow the worker registered before is still exported, as a function.
    for (const name of ['inferenceRequest', 'inferenceCollector', 'donorDigest', 'grantDeadlineWatch', 'commsDraft', 'opsMonitor', 'decisionBrief', 'pilotGrantSummary', 'scheduledRun', 'promotionGate', 'sloReport']) {
      expect(typeof (workflows as Record<string, unknown>)[name], name).toBe('function');
    }
    const lazy = [...barrel.matchAll(/export const (\w+) = onCall\(\(\) => require\('(\.\/[\w-]+)'\)/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(lazy.length).toBe(9);
    for (const [name, module] of lazy) {
      expect(fs.readFileSync(path.join(root, 'workflows', `${module.slice(2)}.ts`), 'utf8'), `${name} in ${module}`).toMatch(new RegExp(`export (async )?function ${name}\\b`));
    }
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
