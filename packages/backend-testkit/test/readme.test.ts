// The README's code is code that runs. Its TypeScript block is a region of test/readme/conformance.ts (the shared
// README check compares them and checks the links an npm user follows). Importing that file registers the
// conformance suite it shows, on the small backend it defines, so every check of the suite runs here as a test;
// the last test sees that each applicable check ran, and that cleanup left no storage behind.
import { join } from 'node:path';
import { CONFORMANCE_CHECKS } from '@pytheus/backend-testkit';
import { describeReadmeExamples } from '@pytheus/test-support';
import { afterEach, describe, expect, it } from 'vitest';

describeReadmeExamples({ root: join(import.meta.dirname, '..'), files: ['README.md'], shipped: true });

const ran: string[] = [];

describe('the README example, run', async () => {
  const { stores } = await import('./readme/conformance.js');

  afterEach(({ task }) => {
    if (task.result?.state === 'pass') ran.push(task.name);
  });

  it('ran every check that applies to a multi-process backend without loadUnavailable, and cleaned up', () => {
    expect(ran).toEqual(
      CONFORMANCE_CHECKS.filter((check) => check.id !== 'unavailable').map((check) => check.title),
    );
    expect([...stores.keys()]).toEqual([]);
  });
});
