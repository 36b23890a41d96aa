import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
// The modules of `@pytheus/core/node`, which alone may import node:*.
const NODE_ONLY = ['node.ts', 'runtime.ts', 'runtime-sources.ts'];

describe('the published package', () => {
  it('imports nothing from node:* outside @pytheus/core/node, so the other entries run on any JavaScript runtime', () => {
    const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !NODE_ONLY.includes(file),
    );
    expect(sources).toEqual(
      expect.arrayContaining(['index.ts', 'for-backends.ts', join('http', 'index.ts')]),
    );
    for (const file of sources) {
      const text = readFileSync(join(root, 'src', file), 'utf8');
      expect(text, file).not.toMatch(/from ['"]node:|require\(|from ['"](fs|path|http|module)['"]/);
      expect(text, file).not.toMatch(/from ['"](\.\.?\/)+(node|runtime|runtime-sources)\.js['"]/);
    }
  });

  it('loads from CommonJS with require() (no top-level await anywhere)', () => {
    // Runs against dist: turbo builds the package before its tests (`pnpm build` when running vitest alone).
    for (const dist of [
      'dist/index.js',
      'dist/node.js',
      'dist/for-backends.js',
      '../backend-memory/dist/index.js',
    ]) {
      if (!existsSync(join(root, dist))) throw new Error(`${dist} is missing: run \`pnpm build\` first`);
    }
    const script = `
      const core = require('@pytheus/core');
      const { metricsHandler } = require('@pytheus/core/node');
      const { isLabelName } = require('@pytheus/core/backend');
      const registry = new core.CollectorRegistry();
      new core.Counter('cjs_total', 'loaded with require', { registry }).inc(3);
      core.generateMetrics(registry).then((text) => {
        process.stdout.write(typeof metricsHandler + typeof isLabelName + '\\n' + text);
      });
    `;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    expect(out).toBe(
      'functionfunction\n# HELP cjs_total loaded with require\n# TYPE cjs_total counter\ncjs_total 3\n',
    );
  });
});
