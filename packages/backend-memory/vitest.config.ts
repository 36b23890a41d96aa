import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// @pytheus/core depends on this package, so this package cannot list core among its own dependencies (that would
// be a workspace cycle). The README's example imports core by name, as a user writes it: in the tests that name is
// core's sources, as in every other workspace package (tsconfig.json says the same to the type checker).
export default mergeConfig(
  shared,
  defineConfig({
    resolve: {
      alias: [
        {
          find: /^@pytheus\/core$/,
          replacement: fileURLToPath(new URL('../core/src/index.ts', import.meta.url)),
        },
      ],
    },
  }),
);
