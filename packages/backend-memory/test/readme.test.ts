// The README's code is code that runs. Its TypeScript block is a region of test/readme/switch-back.ts (the shared
// README check compares them and checks the links an npm user follows); here that file runs after another backend
// was loaded, and must have put the memory backend back.
import { join } from 'node:path';
import { MemoryBackend } from '@pytheus/backend-memory';
import { CollectorRegistry, Counter, currentBackend, generateMetrics, loadBackend } from '@pytheus/core';
import { describeReadmeExamples } from '@pytheus/test-support';
import { describe, expect, it } from 'vitest';

describeReadmeExamples({ root: join(import.meta.dirname, '..'), files: ['README.md'], shipped: true });

describe('the README example, run', () => {
  it('switches back to the memory backend from another one, and metrics count in this process again', async () => {
    // Another backend: one of the same kind, under a name of its own, so that the switch can be seen.
    class ElsewhereBackend extends MemoryBackend {}
    loadBackend({ backendClass: ElsewhereBackend });
    expect(currentBackend().backendClass).toBe(ElsewhereBackend);

    await import('./readme/switch-back.js');

    expect(currentBackend().backendClass).toBe(MemoryBackend);
    const registry = new CollectorRegistry();
    new Counter('jobs_total', 'Jobs done.', { registry }).inc(2);
    expect(await generateMetrics(registry)).toBe(
      '# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 2\n',
    );
  });
});
