import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The examples are whole process trees on fixed resources: one file at a time.
    fileParallelism: false,
  },
});
