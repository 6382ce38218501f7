import * as fs from 'node:fs';
import * as path from 'node:path';
import { durationMs, isDuration } from '../common/duration';
import { contractFacts, type WorkflowContract } from '../common/reliability-contract';

/**
 * The KB discipline check (Workflow v2 §4; the old `workflow_kb_enforcer.py`): every prod
 * workflow has its KB write artifact, the artifact has every section of the template filled, and
 * the facts it states (`` - `retry.maximumAttempts`: 3 ``) agree with the code's contract.
 */
export const TEMPLATE_PATH = 'templates/WORKFLOW_KB_WRITE_TEMPLATE.md';
export const KB_DIR = 'kb';

export interface KbCheckResult {
  checked: string[];
  problems: string[];
}

/** `## Heading` → body, in order. */
export function markdownSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = text.split(/^## +(.+?)\s*$/m);
  for (let i = 1; i < parts.length; i += 2) sections.set(parts[i]!.trim(), parts[i + 1] ?? '');
  return sections;
}

/** Fact lines: `` - `name`: value `` (value may be in backticks). */
export function markdownFacts(text: string): Array<{ name: string; value: string; line: number }> {
  const facts: Array<{ name: string; value: string; line: number }> = [];
  text.split('\n').forEach((line, index) => {
    const match = /^\s*[-*]\s+`([A-Za-z][A-Za-z0-9.]*)`\s*:\s*(.*?)\s*$/.exec(line);
    if (match) facts.push({ name: match[1]!, value: match[2]!.replace(/^`(.*)`$/, '$1').replace(/\.$/, '').trim(), line: index + 1 });
  });
  return facts;
}

function stripComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, '');
}

function sameFact(stated: string, expected: string): boolean {
  if (isDuration(stated) && isDuration(expected)) return durationMs(stated) === durationMs(expected);
  return stated.trim().toLowerCase() === expected.trim().toLowerCase();
}

/** Checks the artifact of one contract; returns its problems (empty when it passes). */
export function checkArtifact(contract: WorkflowContract, text: string, requiredSections: string[], file: string): string[] {
  const problems: string[] = [];
  const body = stripComments(text);
  const sections = markdownSections(body);
  for (const heading of requiredSections) {
    const section = [...sections.entries()].find(([name]) => name.toLowerCase() === heading.toLowerCase());
    if (!section) problems.push(`${file}: section "## ${heading}" is missing (see ${TEMPLATE_PATH})`);
    else if (!/\w/.test(section[1])) problems.push(`${file}: section "## ${heading}" is empty`);
  }
  for (const [index, line] of body.split('\n').entries()) {
    if (line.includes('{{')) problems.push(`${file}:${index + 1}: unfilled template placeholder: ${line.trim()}`);
  }
  const expected = contractFacts(contract);
  const stated = markdownFacts(body);
  const seen = new Set<string>();
  for (const fact of stated) {
    if (seen.has(fact.name)) problems.push(`${file}:${fact.line}: fact \`${fact.name}\` is stated twice`);
    seen.add(fact.name);
    if (!(fact.name in expected)) {
      problems.push(`${file}:${fact.line}: unknown fact \`${fact.name}\`; known: ${Object.keys(expected).join(', ')}`);
    } else if (!sameFact(fact.value, expected[fact.name]!)) {
      problems.push(`${file}:${fact.line}: \`${fact.name}\` says "${fact.value}" but the contract (common/workflow-contracts.ts) says "${expected[fact.name]}"`);
    }
  }
  for (const name of Object.keys(expected)) if (!seen.has(name)) problems.push(`${file}: fact \`${name}\` is missing (the contract says "${expected[name]}")`);
  return problems;
}

/** Every prod contract must have its artifact; experimental ones are checked when they name one. */
export function checkKb(options: { root: string; contracts: WorkflowContract[] }): KbCheckResult {
  const problems: string[] = [];
  const checked: string[] = [];
  const templateFile = path.join(options.root, TEMPLATE_PATH);
  if (!fs.existsSync(templateFile)) return { checked, problems: [`${TEMPLATE_PATH}: the KB write template is missing`] };
  const requiredSections = [...markdownSections(stripComments(fs.readFileSync(templateFile, 'utf8'))).keys()];
  if (requiredSections.length === 0) problems.push(`${TEMPLATE_PATH}: has no "## " sections`);

  for (const contract of options.contracts) {
    if (!contract.kbArtifact) {
      if (contract.lane === 'prod') problems.push(`workflow "${contract.workflow}": prod workflow without kbArtifact in its contract`);
      continue;
    }
    const file = path.join(options.root, contract.kbArtifact);
    if (!fs.existsSync(file)) {
      problems.push(`${contract.kbArtifact}: missing; copy ${TEMPLATE_PATH} and fill it for workflow "${contract.workflow}"`);
      continue;
    }
    checked.push(contract.kbArtifact);
    problems.push(...checkArtifact(contract, fs.readFileSync(file, 'utf8'), requiredSections, contract.kbArtifact));
  }

  const kbDir = path.join(options.root, KB_DIR);
  const known = new Set(options.contracts.map((c) => c.kbArtifact).filter(Boolean));
  for (const name of fs.existsSync(kbDir) ? fs.readdirSync(kbDir) : []) {
    const relative = `${KB_DIR}/${name}`;
    if (name.endsWith('.md') && name !== 'README.md' && !known.has(relative)) problems.push(`${relative}: no registered workflow names this artifact (stale? remove it or register the workflow)`);
  }
  return { checked, problems };
}
