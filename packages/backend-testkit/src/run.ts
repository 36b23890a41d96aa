import { MemoryBackend } from '@pytheus/backend-memory';
import {
  BackendError,
  CollectorRegistry,
  generateMetrics,
  type LoadedBackend,
  loadBackend,
} from '@pytheus/core';
import { expect } from 'vitest';
import type { AnyConformanceOptions, LoadContext } from './options.js';
import type { Scenario } from './scenarios.js';

/** A registry's exposition in both text formats. */
export interface Exposition {
  readonly prometheus: string;
  readonly openmetrics: string;
}

/**
 * Renders a registry in both formats. The scrape also binds metrics not used yet to the current backend. A scrape
 * that fails because a write threw is reported as that write's failure.
 */
export async function expose(registry: CollectorRegistry): Promise<Exposition> {
  try {
    return {
      prometheus: await generateMetrics(registry),
      openmetrics: await generateMetrics(registry, { format: 'openmetrics' }),
    };
  } catch (error) {
    throw writeFault(error) ?? error;
  }
}

// Core keeps a backend's throw from the write that hit it (inc() must not throw for a backend's fault) and fails
// the metric's scrapes instead, with a BackendError that says so: the defect the kit reports as a throwing write.
const WRITE_FAULT = /: backend .* (failed a write|failed to make the store|failed to take a set)/;

/** The failure to report when `error` is a scrape that core failed because a write threw, else undefined. */
export function writeFault(error: unknown): Error | undefined {
  if (!(error instanceof BackendError) || !WRITE_FAULT.test(error.message)) return undefined;
  return new Error(
    `a write threw (writes must never throw; core kept it from the caller and fails the scrape): ${error.message}`,
    { cause: error },
  );
}

/** Fails with both texts diffed when two expositions differ. */
export function expectSameExposition(actual: Exposition, expected: Exposition, when: string): void {
  expect(actual.prometheus, `Prometheus text ${when} differs from the memory backend's`).toBe(
    expected.prometheus,
  );
  expect(actual.openmetrics, `OpenMetrics text ${when} differs from the memory backend's`).toBe(
    expected.openmetrics,
  );
}

/** Runs writes, turning a throw into a failure that says writes must never throw. */
export function write(writes: () => void, when: string): void {
  try {
    writes();
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`a write threw ${when} (writes must never throw): ${reason}`, { cause: error });
  }
}

/**
 * The state of one check: its namespace, the loads it made (closed at the end), and the memory backend's
 * reference output. A metric binds to the backend that is current at its first use, so each step loads its
 * backend, then creates and first uses its metrics, before the next step loads another.
 */
export class CheckRun {
  readonly context: LoadContext;
  /** The registry prefix of every registry of this check, so metric names never repeat across checks or runs. */
  readonly prefix: string;
  private readonly loads: LoadedBackend[] = [];
  private readonly closed = new Set<LoadedBackend>();

  constructor(
    readonly options: AnyConformanceOptions,
    check: string,
    namespace: string,
  ) {
    this.context = Object.freeze({ namespace, check });
    this.prefix = namespace;
  }

  /** Whether loads with the same namespace share storage. */
  get shared(): boolean {
    return this.options.sharedStorage === true || Boolean(this.options.multiProcess);
  }

  registry(): CollectorRegistry {
    return new CollectorRegistry({ prefix: this.prefix });
  }

  /** What the memory backend exposes after the scenario's writes made `times` times. */
  async reference(scenario: Scenario, times = 1): Promise<Exposition> {
    loadBackend({ backendClass: MemoryBackend });
    const registry = this.registry();
    const writes = scenario.declare(registry);
    for (let i = 0; i < times; i++) writes();
    return expose(registry);
  }

  /** Loads the backend under test (a new simulated process); it becomes the current backend. */
  async load(source: 'load' | 'loadUnavailable' = 'load'): Promise<LoadedBackend> {
    const factory = this.options[source]!;
    const loaded = loadBackend(await factory.call(this.options, this.context));
    this.loads.push(loaded);
    return loaded;
  }

  async flush({ backendClass, backendConfig }: LoadedBackend): Promise<void> {
    await backendClass.flush?.(backendConfig);
  }

  async close(loaded: LoadedBackend): Promise<void> {
    this.closed.add(loaded);
    await loaded.backendClass.close?.(loaded.backendConfig);
  }

  /** Closes every load still open, puts the memory backend back, and lets the author drop the namespace. */
  async finish(): Promise<void> {
    const errors: unknown[] = [];
    for (const loaded of this.loads) {
      if (this.closed.has(loaded)) continue;
      try {
        await this.close(loaded);
      } catch (error) {
        errors.push(error);
      }
    }
    loadBackend({ backendClass: MemoryBackend });
    await this.options.cleanup?.(this.context);
    if (errors.length > 0) {
      const reason = errors[0] instanceof Error ? errors[0].message : String(errors[0]);
      throw new Error(`close() rejected at the end of the check: ${reason}`, { cause: errors[0] });
    }
  }
}
