// Runs every part of the tour, in order, each in a process of its own (as each file is meant to be read alone).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const parts = [
  'labels',
  'metric-types',
  'exposition',
  'exemplars',
  'registries',
  'limits',
  'runtime',
  'backends',
  'own-backend',
];
for (const part of parts) {
  console.log(`== ${part}.ts`);
  const file = join(import.meta.dirname, `${part}.ts`);
  console.log(
    execFileSync(process.execPath, ['--conditions=@pytheus/source', '--import', 'tsx', file], {
      encoding: 'utf8',
    }),
  );
}
