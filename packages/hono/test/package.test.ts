// What gets published runs on any JavaScript runtime: the built files of @pytheus/hono and every file of core they
// import, followed transitively through the build, import no `node:*` module (nor a bare Node built-in) and call
// no `require(`. Runs against dist: turbo builds before the tests (`pnpm build` when running vitest alone).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const repo = join(root, '..', '..');
const SPECIFIERS = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

interface Walk {
  files: string[];
  external: Set<string>;
  problems: string[];
}

function walk(entries: string[]): Walk {
  const seen = new Set<string>();
  const queue = [...entries];
  const walked: Walk = { files: [], external: new Set(), problems: [] };
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const name = relative(repo, file);
    walked.files.push(name);
    // Without comments, whose examples show imports (block comments, and lines that are comments).
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    if (/\brequire\s*\(/.test(text)) walked.problems.push(`${name} calls require(`);
    for (const [, specifier] of text.matchAll(SPECIFIERS)) {
      if (specifier!.startsWith('node:') || builtinModules.includes(specifier!)) {
        walked.problems.push(`${name} imports ${specifier}`);
      } else if (specifier!.startsWith('.')) {
        queue.push(resolve(dirname(file), specifier!));
      } else if (specifier!.startsWith('@pytheus/')) {
        queue.push(published(file, specifier!));
      } else {
        walked.external.add(specifier!);
      }
    }
  }
  return walked;
}

// A workspace package as an installed copy resolves it: its `exports` entry's `default` (dist), not the
// `@pytheus/source` condition the workspace's tests resolve.
function published(from: string, specifier: string): string {
  const [scope, name, ...rest] = specifier.split('/');
  const manifest = createRequire(from).resolve(`${scope}/${name}/package.json`);
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { default: string }>;
  };
  const entry = exports[rest.length === 0 ? '.' : `./${rest.join('/')}`];
  if (entry === undefined) throw new Error(`${specifier} is not exported (imported by ${from})`);
  return join(dirname(manifest), entry.default);
}

describe('the published package', () => {
  it('imports no node:* module and calls no require(, nor does any file of core it imports', () => {
    const dist = join(root, 'dist');
    if (!existsSync(join(dist, 'index.js')))
      throw new Error('dist/index.js is missing: run `pnpm build` first');
    const own = readdirSync(dist, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .map((file) => join(dist, file));
    const { files, external, problems } = walk(own);
    expect(problems).toEqual([]);
    // Hono itself is the user's (a peer dependency); of it, only the route helper is imported at run time.
    expect([...external]).toEqual(['hono/route']);
    expect(files).toEqual(
      expect.arrayContaining([
        join('packages', 'hono', 'dist', 'index.js'),
        join('packages', 'hono', 'dist', 'route.js'),
        join('packages', 'core', 'dist', 'index.js'),
        join('packages', 'core', 'dist', 'http', 'index.js'),
        join('packages', 'core', 'dist', 'http', 'endpoint.js'),
        join('packages', 'backend-memory', 'dist', 'index.js'),
      ]),
    );
    expect(files.filter((file) => file.endsWith(join('core', 'dist', 'node.js')))).toEqual([]);
  });
});
