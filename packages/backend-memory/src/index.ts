/**
 * The single-process backend of pytheus, and its default: values live in this process and nowhere else.
 *
 * It is a backend that keeps numbers in process (it has a static `attach`): core keeps each metric's numbers in
 * one array, where a write is one add, and scrapes read them from there. That is all there is to this backend,
 * so `attach` has nothing to do. It satisfies `@pytheus/core`'s contract structurally (no import of core), so
 * core can depend on it without a cycle.
 *
 * @example
 * ```ts
 * import { loadBackend } from '@pytheus/core';
 * import { MemoryBackend } from '@pytheus/backend-memory';
 *
 * loadBackend({ backendClass: MemoryBackend }); // the default; needed only to switch back from another backend
 * ```
 */
export class MemoryBackend {
  /** Called by core once per metric, at its first use: core keeps the numbers, and nothing more is needed. */
  static attach(): void {}
}

export default MemoryBackend;
