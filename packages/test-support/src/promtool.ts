import { spawnSync } from 'node:child_process';

/**
 * Runs Prometheus' own parser and linter, `promtool check metrics`, on an exposition in Prometheus text format.
 * Throws with an install hint when promtool is missing: the tests that use it never skip.
 */
export function promtool(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `cannot run promtool (${result.error.message}): install Prometheus' tools, e.g. \`apt-get install prometheus\` on Debian`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
