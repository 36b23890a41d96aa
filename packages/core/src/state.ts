import type { LoadedBackend } from './backend.js';
import type { CollectorRegistry } from './registry.js';

interface SharedState {
  backend: LoadedBackend | undefined;
  defaultRegistry: CollectorRegistry | undefined;
}

// Kept on globalThis under a registered symbol, so that two copies of @pytheus/core in one process (a bundler
// duplicate, a CJS and an ESM load) share one loaded backend and one default registry instead of splitting them.
const KEY = Symbol.for('@pytheus/core/state@1');

export function sharedState(): SharedState {
  const holder = globalThis as unknown as Record<symbol, SharedState | undefined>;
  let state = holder[KEY];
  if (state === undefined) {
    state = { backend: undefined, defaultRegistry: undefined };
    holder[KEY] = state;
  }
  return state;
}
