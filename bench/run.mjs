#!/usr/bin/env node
// `pnpm bench [section...]`: runs every bench/sections/<name>.ts (or the named ones), each in its own Node process,
// so that no section's JIT state, garbage or heap growth colours another's figures.
//
// Sections run from TypeScript sources (the `@pytheus/source` export condition, loaded by tsx): the suite runs
// from a clean clone after `pnpm install` with no build, and it measures the code as it is in the tree. tsx only
// strips types when a module loads; the functions V8 optimizes are the same as in the built dist.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const sectionsDir = path.join(benchDir, 'sections');
const available = readdirSync(sectionsDir)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.slice(0, -3))
  .sort();

const asked = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = asked.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const sections = asked.length > 0 ? asked : available;

console.log(`pytheus bench: Node ${process.version}, sections: ${sections.join(', ')}`);
let failed = 0;
for (const name of sections) {
  console.log(`\n== ${name}`);
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@pytheus/source',
      '--import',
      'tsx',
      path.join(benchDir, 'lib', 'section-process.ts'),
      path.join(sectionsDir, `${name}.ts`),
    ],
    { cwd: benchDir, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    failed++;
    console.error(`section ${name} failed (exit ${result.status ?? result.signal})`);
  }
}
console.log(
  `\nresults: ${path.relative(process.cwd(), path.join(benchDir, 'results'))}/<section>.json and latest.json`,
);
process.exit(failed > 0 ? 1 : 0);
