import { execFileSync } from 'node:child_process';

/**
 * Debian tools some tests drive (`promtool` from the `prometheus` .deb, `chromium`). `.ci/run`
 * puts them on PATH (promtool unpacked by deploy/observability/promtool.sh, never installed: the
 * package would start a daemon) and sets CIVICOS_REQUIRE_TOOLS=1, which makes a missing tool a
 * failure; elsewhere a test that needs one reports itself skipped, saying how to get it.
 */
export function systemTool(name: 'promtool' | 'chromium', debianPackage: string): { path: string | undefined; skipReason: string | undefined } {
  let found: string | undefined;
  try {
    found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    found = undefined;
  }
  if (found) return { path: found, skipReason: undefined };
  const how = name === 'promtool' ? `PATH="$(dirname "$(bash deploy/observability/promtool.sh)"):$PATH" (unpacks Debian's ${debianPackage} .deb)` : `apt-get install -y ${debianPackage}`;
  if (process.env.CIVICOS_REQUIRE_TOOLS === '1') throw new Error(`${name} is required (CIVICOS_REQUIRE_TOOLS=1) but not on PATH: ${how}`);
  return { path: undefined, skipReason: `${name} not on PATH (${how}; .ci/run does)` };
}
