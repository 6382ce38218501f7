/**
 * Weighs the redactor's hand-grown rule table against two maintained rule sets on the SAME table
 * (test/support/secret-samples.ts: 41 formats plus the encoded/underscore/structured variants):
 *
 * - gitleaks' published rules, as data: `config/gitleaks.toml` from the Go module
 *   github.com/zricethezav/gitleaks/v8 (fetch it with `go mod download -json github.com/zricethezav/gitleaks/v8@v8.30.1`;
 *   GITLEAKS_TOML=<path> overrides). Go RE2 syntax is translated to JS; entropy thresholds and
 *   allow-lists are NOT applied, which favours gitleaks (it can only catch more here).
 * - secretlint's recommended preset (@secretlint/core + @secretlint/secretlint-rule-preset-recommend
 *   10.2.2, Node ≥ 20), installed outside the project: SECRETLINT_DIR=<dir with node_modules>.
 *
 * A sample counts as caught when the rule set marks text covering the secret (for ours: when no
 * 12-character piece of the secret survives redaction).
 *   npx tsx bench/redactor-rules.ts
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { redactSecrets } from '../common/redact';
import { secretSamples, secretVariants, type SecretSample } from '../test/support/secret-samples';

type Detector = (sample: SecretSample) => Promise<boolean> | boolean;

const GITLEAKS_VERSION = 'v8.30.1';

function survives(text: string, value: string): boolean {
  if (value.length < 12) return text.includes(value);
  for (let i = 0; i + 12 <= value.length; i += 6) if (text.includes(value.slice(i, i + 12))) return true;
  return false;
}

const ours: Detector = (sample) => !survives(redactSecrets(sample.line), sample.value);

/** True when [start, end) of the line overlaps where the secret (or its encoded form) sits. */
function covers(line: string, value: string, start: number, end: number): boolean {
  const forms = [value, encodeURIComponent(value), encodeURIComponent(encodeURIComponent(value)), value.replaceAll('/', '\\/'), JSON.stringify(value).slice(1, -1)];
  return forms.some((form) => {
    const at = line.indexOf(form.slice(0, Math.min(12, form.length)));
    return at >= 0 && start < at + form.length && end > at;
  });
}

/** Go RE2 → JS RegExp (the constructs gitleaks.toml uses); undefined when it cannot be translated. */
function goRegex(source: string): RegExp | undefined {
  let flags = 'g';
  let src = source;
  if (/\(\?i\)|\(\?i:/.test(src)) flags += 'i';
  if (/\(\?s\)|\(\?s:/.test(src)) flags += 's';
  src = src
    .replace(/\(\?[is]+\)/g, '')
    .replace(/\(\?-?[is]+:/g, '(?:')
    .replace(/\(\?P</g, '(?<')
    .replace(/\\z/g, '$')
    .replace(/\\A/g, '^')
    .replace(/\[:alnum:\]/g, 'A-Za-z0-9')
    .replace(/\[:alpha:\]/g, 'A-Za-z')
    .replace(/\[:digit:\]/g, '0-9')
    .replace(/\[:xdigit:\]/g, '0-9A-Fa-f')
    .replace(/\[:upper:\]/g, 'A-Z')
    .replace(/\[:lower:\]/g, 'a-z')
    .replace(/\[:space:\]/g, '\\s')
    .replace(/\[:punct:\]/g, '!-\\/:-@\\[-`{-~');
  try {
    return new RegExp(src, flags);
  } catch {
    return undefined;
  }
}

function gitleaksToml(): string | undefined {
  if (process.env.GITLEAKS_TOML) return process.env.GITLEAKS_TOML;
  try {
    const modcache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
    const file = path.join(modcache, `github.com/zricethezav/gitleaks/v8@${GITLEAKS_VERSION}`, 'config', 'gitleaks.toml');
    return fs.existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

function gitleaks(): { detect: Detector; rules: number; untranslatable: number } | undefined {
  const file = gitleaksToml();
  if (!file) return undefined;
  // TOML → JSON with Python's standard tomllib (the project has no TOML parser of its own).
  const json = execFileSync('python3', ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1],"rb"))))', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const config = JSON.parse(json) as { rules: Array<{ id: string; regex?: string }> };
  const compiled = config.rules.flatMap((rule) => (rule.regex ? [{ id: rule.id, regex: goRegex(rule.regex) }] : []));
  const usable = compiled.filter((r): r is { id: string; regex: RegExp } => r.regex !== undefined);
  return {
    rules: config.rules.length,
    untranslatable: compiled.length - usable.length,
    detect: (sample) => usable.some(({ regex }) => [...sample.line.matchAll(regex)].some((m) => covers(sample.line, sample.value, m.index, m.index + m[0].length))),
  };
}

async function secretlint(): Promise<Detector | undefined> {
  const dir = process.env.SECRETLINT_DIR;
  if (!dir) return undefined;
  const modules = path.join(dir, 'node_modules', '@secretlint');
  const core = (await import(pathToFileURL(path.join(modules, 'core', 'module', 'index.js')).href)) as {
    lintSource(input: unknown): Promise<{ messages: Array<{ range: [number, number] }> }>;
  };
  const preset = (await import(pathToFileURL(path.join(modules, 'secretlint-rule-preset-recommend', 'module', 'index.js')).href)) as { creator: unknown };
  return async (sample) => {
    const result = await core.lintSource({
      source: { filePath: '/sample.txt', content: sample.line, contentType: 'text' },
      options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] } },
    });
    return result.messages.some((m) => covers(sample.line, sample.value, m.range[0], m.range[1]));
  };
}

async function measure(name: string, detect: Detector, table: SecretSample[]): Promise<{ name: string; caught: number; missed: string[] }> {
  const missed: string[] = [];
  for (const sample of table) if (!(await detect(sample))) missed.push(sample.format);
  return { name, caught: table.length - missed.length, missed };
}

async function main(): Promise<void> {
  const base = secretSamples();
  const variants = secretVariants();
  const sets: Array<[string, Detector]> = [['hand-grown (common/secret-rules.ts)', ours]];
  const leaks = gitleaks();
  if (leaks) sets.push([`gitleaks ${GITLEAKS_VERSION} (${leaks.rules} rules, ${leaks.untranslatable} untranslatable)`, leaks.detect]);
  else console.log('gitleaks: not measured (no gitleaks.toml; see the header of this file)');
  const lint = await secretlint();
  if (lint) sets.push(['secretlint preset-recommend 10.2.2', lint]);
  else console.log('secretlint: not measured (set SECRETLINT_DIR)');
  console.log(`| rule set | formats (${base.length}) | variants (${variants.length}) | all (${base.length + variants.length}) |`);
  console.log('|---|---|---|---|');
  const details: string[] = [];
  for (const [name, detect] of sets) {
    const a = await measure(name, detect, base);
    const b = await measure(name, detect, variants);
    console.log(`| ${name} | ${a.caught} | ${b.caught} | ${a.caught + b.caught} |`);
    details.push(`${name} missed: ${[...a.missed, ...b.missed].join('; ') || 'none'}`);
  }
  console.log(`\n${details.join('\n\n')}`);
}

void main();
