import { execFileSync } from 'node:child_process';

/**
 * Debian tools some tests drive (`promtool` from `prometheus`, `chromium`). `.ci/run` installs
 * them and sets CIVICOS_REQUIRE_TOOLS=1, which makes a missing tool a failure; elsewhere a test
 * that needs one reports itself skipped, naming the package to install.
 */
export function systemTool(name: 'promtool' | 'chromium', debianPackage: string): { path: string | undefined; skipReason: string | undefined } {
  let found: string | undefined;
  try {
    found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    found = undefined;
  }
  if (found) return { path: found, skipReason: undefined };
  if (process.env.CIVICOS_REQUIRE_TOOLS === '1') throw new Error(`${name} is required (CIVICOS_REQUIRE_TOOLS=1) but not on PATH: apt-get install -y ${debianPackage}`);
  return { path: undefined, skipReason: `${name} not on PATH (apt-get install -y ${debianPackage}; .ci/run does)` };
}
