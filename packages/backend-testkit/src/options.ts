import { type BackendConfig, type LoadBackendOptions, PytheusError } from '@pytheus/core';

/** What the kit tells {@link BackendConformanceOptions.load} about the load it asks for. */
export interface LoadContext {
  /**
   * Unique to one check of one run, such as `conformance_m3x9k2_7`: use it to scope storage (a key prefix, a
   * table, a directory) so that checks and runs never see each other's data. Every load made by one check gets
   * the same namespace: they stand for processes sharing that storage.
   */
  readonly namespace: string;
  /** The id of the check asking, such as `counter` or `concurrent-writers`. */
  readonly check: string;
}

/** Options of {@link describeBackendConformance} and {@link runBackendConformance}. */
export interface BackendConformanceOptions<C = BackendConfig> {
  /** Names the backend in test titles. */
  name: string;
  /**
   * Returns what to pass to `loadBackend`. Called once per simulated process, so every call must give an
   * independent instance (its own connection, its own write buffer): return a new config object each time and
   * keep per-load state keyed by that object.
   */
  load(context: LoadContext): LoadBackendOptions<C> | Promise<LoadBackendOptions<C>>;
  /**
   * Whether two loads with the same namespace share storage, as processes sharing a server do. Then every check
   * also reads its writes back through a fresh load after a flush, and close must not lose writes.
   * Default: false (a single-process backend such as the memory backend).
   */
  sharedStorage?: boolean;
  /**
   * The backend lets several processes write at once (implies `sharedStorage`): checked with `writers`
   * independent loads (default 4) writing `rounds` times each (default 25) concurrently, whose totals must be exact.
   */
  multiProcess?: boolean | { writers?: number; rounds?: number };
  /**
   * Optional: a load whose storage cannot be reached (a closed port, say). Then writes must still not throw, and
   * a scrape must reject with core's `BackendError` rather than hang or return made-up numbers.
   */
  loadUnavailable?(context: LoadContext): LoadBackendOptions<C> | Promise<LoadBackendOptions<C>>;
  /** Called after each check, once its loads are closed, to drop what it stored under `context.namespace`. */
  cleanup?(context: LoadContext): void | Promise<void>;
  /** Writes made by the write-storm check. Default 50 000. */
  stormSize?: number;
  /** Per-check timeout in milliseconds for Vitest; default: the Vitest config's `testTimeout`. */
  timeout?: number;
}

function fail(message: string): never {
  throw new PytheusError(`backend conformance: ${message}`);
}

function positiveInteger(value: unknown, what: string): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) {
    fail(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

/** The options as the checks see them: the config type is the backend's business. */
// biome-ignore lint/suspicious/noExplicitAny: the class and config are paired by the author's load(), not by the type.
export type AnyConformanceOptions = BackendConformanceOptions<any>;

/** Throws a PytheusError that names the option when the options are unusable. */
export function validateOptions(options: unknown): asserts options is AnyConformanceOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const o = options as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') fail('options.name must be a non-empty string');
  if (typeof o.load !== 'function')
    fail('options.load must be a function returning { backendClass, backendConfig }');
  for (const hook of ['loadUnavailable', 'cleanup'] as const) {
    if (o[hook] !== undefined && typeof o[hook] !== 'function') fail(`options.${hook} must be a function`);
  }
  if (o.sharedStorage !== undefined && typeof o.sharedStorage !== 'boolean') {
    fail('options.sharedStorage must be a boolean');
  }
  const multi = o.multiProcess;
  if (multi !== undefined && typeof multi !== 'boolean') {
    if (typeof multi !== 'object' || multi === null) {
      fail('options.multiProcess must be a boolean or { writers, rounds }');
    }
    const { writers, rounds } = multi as Record<string, unknown>;
    positiveInteger(writers, 'options.multiProcess.writers');
    positiveInteger(rounds, 'options.multiProcess.rounds');
  }
  positiveInteger(o.stormSize, 'options.stormSize');
  positiveInteger(o.timeout, 'options.timeout');
}
