/**
 * The single-process backend of pytheus and its default: each series value is a plain number in this process.
 *
 * It satisfies `@pytheus/core`'s backend contract structurally (no import of core), so core can depend on it
 * without a cycle.
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
  // Core constructs it with (config, series, histogramBucket); a number in memory needs none of them.
  /** The current value. A public field so that the hot path is one property add. */
  value = 0;

  inc(value: number): void {
    this.value += value;
  }

  dec(value: number): void {
    this.value -= value;
  }

  set(value: number): void {
    this.value = value;
  }

  get(): number {
    return this.value;
  }
}

export default MemoryBackend;
