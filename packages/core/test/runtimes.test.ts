import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promtool } from '@pytheus/test-support';
import { describe, expect, it } from 'vitest';
import { parseExposition } from './fixtures/exposition.js';
import { NODE_ON_LINUX } from './fixtures/runtime-names.js';

// The runtime metrics on Node, Bun and Deno: the same script, run against the built dist, must not throw and must
// show what each runtime supports, in text promtool accepts. Bun and Deno come from their npm packages, which are
// devDependencies of this package.

const root = join(import.meta.dirname, '..');
const script = join(import.meta.dirname, 'fixtures', 'runtime-dist.mjs');

function without(...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(NODE_ON_LINUX).filter(([name]) => !names.includes(name)));
}

const UTILIZATION_AND_GC = ['nodejs_eventloop_utilization_ratio', 'nodejs_gc_duration_seconds'];
const PROC = ['process_virtual_memory_bytes', 'process_heap_bytes', 'process_open_fds', 'process_max_fds'];
const DELAY = ['min', 'max', 'mean', 'p50', 'p90', 'p99'].map(
  (what) => `nodejs_eventloop_delay_${what}_seconds`,
);

const RUNTIMES = [
  { name: 'Node', command: process.execPath, args: [], expected: NODE_ON_LINUX },
  {
    // Bun's event-loop utilization stays at zero and it reports no GC entries.
    name: 'Bun',
    command: join(root, 'node_modules/.bin/bun'),
    args: [],
    expected: without(...UTILIZATION_AND_GC),
  },
  {
    // No permission flags: /proc is not readable, and nothing may throw or prompt. Deno's utilization stays at
    // zero, it reports no GC entries, and its delay monitor does not see a blocked loop.
    name: 'Deno',
    command: join(root, 'node_modules/.bin/deno'),
    args: ['run'],
    expected: without(...UTILIZATION_AND_GC, ...PROC, ...DELAY),
  },
];

describe('runtime metrics on other runtimes, from the built dist', () => {
  for (const runtime of RUNTIMES) {
    it(`${runtime.name}: runs without a warning and shows what the runtime supports`, () => {
      for (const dist of ['dist/index.js', 'dist/node.js', '../backend-memory/dist/index.js']) {
        if (!existsSync(join(root, dist))) throw new Error(`${dist} is missing: run \`pnpm build\` first`);
      }
      const result = spawnSync(runtime.command, [...runtime.args, script], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
      if (result.error) {
        throw new Error(
          `cannot run ${runtime.name} (${result.error.message}): it is a devDependency of @pytheus/core; run \`pnpm install\` (pnpm-workspace.yaml lets bun's postinstall fetch its binary)`,
        );
      }
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      const parsed = parseExposition(result.stdout);
      expect(Object.fromEntries(parsed.types)).toEqual(runtime.expected);
      for (const sample of parsed.samples) {
        expect(sample.labels.runtime).toBe('x');
        expect(Number.isNaN(sample.value)).toBe(false);
      }
      expect(parsed.value('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(parsed.value('process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(promtool(result.stdout)).toEqual({ status: 0, output: '' });
    });
  }
});
