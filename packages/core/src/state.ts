// State that every copy of @pytheus/core in one process shares: the loaded backend and the default registry.
// It is kept on globalThis under a registered symbol, so that two copies (a bundler duplicate, a CJS and an ESM
// load) share one loaded backend and one default registry instead of splitting them. Each slot's owner (backend.ts,
// registry.ts) knows its type; this module knows neither, so that it imports nothing.

interface SharedState {
  backend: unknown;
  defaultRegistry: unknown;
}

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
