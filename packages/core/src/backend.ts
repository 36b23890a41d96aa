import { MemoryBackend } from '@pytheus/backend-memory';
import { BackendError, describeValue } from './errors.js';
import { sharedState } from './state.js';

/** The kinds of metric pytheus has. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/**
 * How a multi-process backend combines a gauge across processes: `'shared'` (one value for all processes, the
 * last `set` wins and `inc`/`dec` add up) or `'perProcess'` (one series per process, told apart by a process label
 * that the backend adds, and dropped when that process stops). Single-process backends ignore it.
 */
export type MultiprocessMode = 'shared' | 'perProcess';

/** What a backend is told about a metric. */
export interface MetricDescriptor {
  /** The metric's name as exposed by the registry it was created in (registry prefix included). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names in declaration order; a series' `labelValues` follow this order. */
  readonly labelNames: readonly string[];
  /** Histogram bucket upper bounds, ascending, `+Inf` last. */
  readonly buckets?: readonly number[];
  /** Gauges only. */
  readonly multiprocessMode?: MultiprocessMode;
}

/** What a backend is told about the series that one of its instances stores. */
export interface SeriesDescriptor {
  readonly metric: MetricDescriptor;
  /** The series' full label values (defaults resolved), in `metric.labelNames` order. */
  readonly labelValues: readonly string[];
  /** The same values by label name. */
  readonly labels: Readonly<Record<string, string>>;
}

/** A backend's configuration: plain JSON-like data, such as the contents of `PYTHEUS_BACKEND_CONFIG`. */
export type BackendConfig = Readonly<Record<string, unknown>>;

/**
 * One stored number. Writes are synchronous and never throw for I/O: a networked backend buffers them and ships
 * them itself. Reads may be asynchronous.
 */
export interface Backend {
  inc(value: number): void;
  dec(value: number): void;
  set(value: number): void;
  get(): number | Promise<number>;
}

/** One stored number returned by a batch read. */
export interface BackendSample {
  /** The series' label values, in the metric's `labelNames` order. */
  readonly labelValues: readonly string[];
  /** For histograms and summaries: which part of the series, as passed to the backend's constructor. */
  readonly histogramBucket?: string;
  readonly value: number;
  /** Labels the backend adds to the metric's own, such as the process label of a per-process gauge. */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

/**
 * The backend contract. A backend is a class: core creates one instance per stored number, passing the config
 * given to `loadBackend`, the series, and for histograms and summaries which part of the series it holds (the
 * bucket's upper bound as exposed in `le`, such as `"0.5"` or `"+Inf"`, or `"sum"`, or `"count"`).
 *
 * The static members are optional hooks:
 * - `initialize(config)` runs once when the backend is loaded (open connections, check the config);
 * - `readMetrics(config, metrics)` reads every series of the given metrics in one go, including series that
 *   other processes wrote, and is used by scrapes instead of one `get()` per value;
 * - `flush(config)` ships buffered writes; `close(config)` flushes and releases resources.
 */
export interface BackendClass<C = BackendConfig> {
  new (config: C, series: SeriesDescriptor, histogramBucket?: string): Backend;
  initialize?(config: C): void;
  readMetrics?(
    config: C,
    metrics: readonly MetricDescriptor[],
  ): Promise<readonly (readonly BackendSample[])[]>;
  flush?(config: C): Promise<void>;
  close?(config: C): Promise<void>;
}

/** A loaded backend: the class and the config its instances get. */
export interface LoadedBackend {
  // biome-ignore lint/suspicious/noExplicitAny: the class and config are paired by loadBackend, not by the type.
  readonly backendClass: BackendClass<any>;
  readonly backendConfig: BackendConfig;
}

/** Options of {@link loadBackend}. */
export interface LoadBackendOptions<C> {
  backendClass: BackendClass<C>;
  backendConfig?: C;
}

/** The in-memory backend as loaded by default: also where metrics created with `registry: null` keep values. */
export const LOCAL_BACKEND: LoadedBackend = Object.freeze({ backendClass: MemoryBackend, backendConfig: {} });

const CONTRACT_METHODS = ['inc', 'dec', 'set', 'get'] as const;

function checkBackendClass(candidate: unknown, source: string): asserts candidate is BackendClass<unknown> {
  if (
    typeof candidate !== 'function' ||
    typeof candidate.prototype !== 'object' ||
    candidate.prototype === null
  ) {
    throw new BackendError(`${source}: expected a backend class, got ${describeValue(candidate)}`);
  }
  const missing = CONTRACT_METHODS.filter((method) => typeof candidate.prototype[method] !== 'function');
  if (missing.length > 0) {
    throw new BackendError(
      `${source}: class ${candidate.name || '(anonymous)'} is not a backend: it lacks ${missing.join(', ')}`,
    );
  }
  for (const hook of ['initialize', 'readMetrics', 'flush', 'close'] as const) {
    const value = (candidate as unknown as Record<string, unknown>)[hook];
    if (value !== undefined && typeof value !== 'function') {
      throw new BackendError(`${source}: static ${hook} of ${candidate.name} must be a function`);
    }
  }
}

function checkBackendConfig(config: unknown, source: string): asserts config is BackendConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new BackendError(`${source}: expected an object, got ${describeValue(config)}`);
  }
}

/**
 * Chooses the backend that metrics store their values in, as `load_backend` does in the Python original.
 *
 * With no argument it reads the environment (in Node): `PYTHEUS_BACKEND_CLASS` names a module and an export as
 * `module#Export` (relative paths resolve from the working directory), `PYTHEUS_BACKEND_CONFIG` the path of a
 * JSON file with the config. With neither set, the in-memory backend is used.
 *
 * A metric binds to the backend loaded when it is first used (its first write, or the first scrape that reads
 * it), so metrics declared at the top of imported modules still end up on a backend loaded later, as long as
 * nothing wrote to them before. Metrics already in use keep their backend.
 *
 * @example
 * ```ts
 * import { loadBackend } from '@pytheus/core';
 * import { RedisBackend } from '@pytheus/backend-redis';
 *
 * loadBackend({ backendClass: RedisBackend, backendConfig: { host: '127.0.0.1', port: 6379 } });
 * ```
 */
export function loadBackend<C>(options?: LoadBackendOptions<C>): LoadedBackend {
  let loaded: LoadedBackend;
  if (options === undefined) {
    loaded = backendFromEnvironment() ?? LOCAL_BACKEND;
  } else {
    if (typeof options !== 'object' || options === null) {
      throw new BackendError(
        `loadBackend: expected { backendClass, backendConfig }, got ${describeValue(options)}`,
      );
    }
    checkBackendClass(options.backendClass, 'loadBackend: backendClass');
    const config = options.backendConfig ?? {};
    checkBackendConfig(config, 'loadBackend: backendConfig');
    loaded = { backendClass: options.backendClass, backendConfig: config };
  }
  if (loaded.backendClass.initialize) {
    try {
      loaded.backendClass.initialize(loaded.backendConfig);
    } catch (error) {
      if (error instanceof BackendError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new BackendError(`backend ${loaded.backendClass.name} failed to initialize: ${reason}`, {
        cause: error,
      });
    }
  }
  sharedState().backend = loaded;
  return loaded;
}

/** The backend metrics bind to now: the loaded one, or (loaded on first call) the environment's or memory. */
export function currentBackend(): LoadedBackend {
  return sharedState().backend ?? loadBackend();
}

/** Ships writes that the current backend buffers (a no-op for the memory backend). */
export async function flushBackend(): Promise<void> {
  const { backendClass, backendConfig } = currentBackend();
  await backendClass.flush?.(backendConfig);
}

/**
 * Flushes and releases the current backend (connections, timers). Call it once when the process shuts down:
 * `process.on('SIGTERM', async () => { await closeBackend(); process.exit(0); })`.
 */
export async function closeBackend(): Promise<void> {
  const { backendClass, backendConfig } = currentBackend();
  await backendClass.close?.(backendConfig);
}

interface NodeLikeProcess {
  env?: Record<string, string | undefined>;
  cwd?: () => string;
  getBuiltinModule?: (id: string) => unknown;
}

// Reads PYTHEUS_BACKEND_CLASS and PYTHEUS_BACKEND_CONFIG synchronously, so that loading from the environment can
// happen on a metric's first use. It reaches Node's modules through process.getBuiltinModule, so the main entry
// imports nothing from node:* and still runs unchanged on runtimes without them.
function backendFromEnvironment(): LoadedBackend | undefined {
  const proc = (globalThis as { process?: NodeLikeProcess }).process;
  const spec = proc?.env?.PYTHEUS_BACKEND_CLASS;
  const configPath = proc?.env?.PYTHEUS_BACKEND_CONFIG;
  if (!spec && !configPath) return undefined;
  const moduleApi = proc?.getBuiltinModule?.('node:module') as
    | { createRequire(from: string): (id: string) => Record<string, unknown> }
    | undefined;
  const fs = proc?.getBuiltinModule?.('node:fs') as
    | { readFileSync(path: string, enc: 'utf8'): string }
    | undefined;
  if (!moduleApi || !fs || !proc?.cwd) {
    throw new BackendError(
      'PYTHEUS_BACKEND_CLASS: this runtime cannot load modules synchronously; call loadBackend({ backendClass }) instead',
    );
  }

  let backendClass: BackendClass<unknown> = MemoryBackend;
  if (spec) {
    const hash = spec.lastIndexOf('#');
    const specifier = hash > 0 ? spec.slice(0, hash) : spec;
    const exportName = hash > 0 ? spec.slice(hash + 1) : 'default';
    if (!specifier || !exportName) {
      throw new BackendError(`PYTHEUS_BACKEND_CLASS=${JSON.stringify(spec)}: expected "module#ExportName"`);
    }
    let mod: Record<string, unknown>;
    try {
      mod = moduleApi.createRequire(`${proc.cwd()}/`)(specifier);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new BackendError(`PYTHEUS_BACKEND_CLASS: cannot load module "${specifier}": ${reason}`, {
        cause: error,
      });
    }
    const candidate = mod[exportName];
    if (candidate === undefined) {
      const names = Object.keys(mod).join(', ') || 'none';
      throw new BackendError(
        `PYTHEUS_BACKEND_CLASS: module "${specifier}" has no export "${exportName}" (its exports: ${names})`,
      );
    }
    checkBackendClass(candidate, `PYTHEUS_BACKEND_CLASS: export "${exportName}" of "${specifier}"`);
    backendClass = candidate;
  }

  let backendConfig: BackendConfig = {};
  if (configPath) {
    let text: string;
    try {
      text = fs.readFileSync(configPath, 'utf8');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BackendError(`PYTHEUS_BACKEND_CONFIG: cannot read "${configPath}": ${reason}`, {
        cause: error,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BackendError(`PYTHEUS_BACKEND_CONFIG: "${configPath}" is not valid JSON: ${reason}`, {
        cause: error,
      });
    }
    checkBackendConfig(parsed, `PYTHEUS_BACKEND_CONFIG: "${configPath}"`);
    backendConfig = parsed;
  }
  return { backendClass, backendConfig };
}
