import { MemoryBackend } from '@pytheus/backend-memory';
import { BackendError, describeValue, reasonOf } from './errors.js';
import { checkOptions } from './options.js';
import { sharedState } from './state.js';

/** The kinds of metric pytheus has. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/**
 * How a multi-process backend combines a metric across processes. `'shared'` (the default): one series for all
 * processes; counters, histograms and summaries add up, and a gauge's last `set` wins while `inc`/`dec` add up.
 * `'perProcess'`: one series per process, told apart by a process label that the backend adds, holding that
 * process' own values (a counter's or histogram's own totals, a gauge's own value), and dropped when that process
 * stops. Single-process backends ignore it.
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
  /** As given in the metric's options (any type); absent when not given, which means `'shared'`. */
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
  /**
   * Optional: `JSON.stringify(labelValues)`, for a backend that has it at hand (one that stores series under it,
   * say). Core then finds this process' series by it without encoding the label values again, and reads
   * `labelValues` only for series that this process does not have. Ignored when `extraLabels` is set.
   */
  readonly key?: string;
  /** For histograms and summaries: which part of the series, as passed to the backend's constructor. */
  readonly histogramBucket?: string;
  readonly value: number;
  /** Labels the backend adds to the metric's own, such as the process label of a per-process gauge. */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

/**
 * What core keeps of one metric in this process when the backend class has `attach` (see {@link BackendClass}):
 * every series' numbers in one array, written by core and read by the backend.
 */
export interface LocalNumbers {
  readonly metric: MetricDescriptor;
  /**
   * The names of a series' numbers, in their order in `numbers`: the bucket bounds as exposed in `le` (`"0.5"`,
   * `"+Inf"`) then `"sum"` for histograms, `"count"` then `"sum"` for summaries; undefined for counters and gauges,
   * which store one number per series.
   */
  readonly parts: readonly string[] | undefined;
  /** How many numbers a series stores: the length of `parts`, or 1. */
  readonly width: number;
  /** How many series the metric has; series `i` keeps its numbers at `[i * width, (i + 1) * width)`. */
  readonly seriesCount: number;
  /**
   * This process' numbers. A counter's, histogram's or summary's are totals since the metric was created in this
   * process (histogram buckets are not cumulative); a gauge's is its value as this process last wrote it. Core
   * writes them on every `inc()` or `observe()`; a backend only reads them.
   */
  readonly numbers: readonly number[];
  /** The label values of series `index`, in `metric.labelNames` order. */
  labelValues(index: number): readonly string[];
  /** Calls `visit` with every series' index and label values; `labelValues` is reused between calls: copy it to keep it. */
  forEachSeries(visit: (index: number, labelValues: readonly string[]) => void): void;
}

/** What a backend that keeps numbers in process (`attach`) may ask core to tell it. */
export interface LocalNumbersHooks {
  /**
   * A gauge series' value was set rather than added to; `index` is the series'. A multi-process backend must ship
   * it as a set (the value replaces what other processes wrote), where a change by `inc()` or `dec()` adds.
   */
  set?(index: number): void;
}

/**
 * The optional static hooks of a backend class:
 * - `initialize(config)` runs once when the backend is loaded (open connections, check the config);
 * - `readMetrics(config, metrics)` reads every series of the given metrics in one go, including series that
 *   other processes wrote, and is used by scrapes instead of reading number by number;
 * - `flush(config)` ships buffered writes; `close(config)` flushes and releases resources.
 */
export interface BackendHooks<C = BackendConfig> {
  /** The class' name, for messages. */
  readonly name: string;
  initialize?(config: C): void;
  readMetrics?(
    config: C,
    metrics: readonly MetricDescriptor[],
  ): Promise<readonly (readonly BackendSample[])[]>;
  flush?(config: C): Promise<void>;
  close?(config: C): Promise<void>;
}

/**
 * A backend that stores every number itself, as in the Python original: core creates one instance per stored
 * number, passing the config given to `loadBackend`, the series, and for histograms and summaries which part of
 * the series it holds (the bucket's upper bound as exposed in `le`, such as `"0.5"` or `"+Inf"`, or `"sum"`, or
 * `"count"`), and calls its `inc`, `dec`, `set` and `get`.
 */
export interface InstanceBackendClass<C = BackendConfig> extends BackendHooks<C> {
  new (config: C, series: SeriesDescriptor, histogramBucket?: string): Backend;
}

/**
 * A backend that lets core keep each metric's numbers of this process in one array, where a write is one add,
 * and reads them from there: `attach(config, numbers)` is called once per metric at its first use. The memory
 * backend is this and nothing more; a multi-process backend reads the numbers to ship what changed.
 */
export interface LocalBackendClass<C = BackendConfig> extends BackendHooks<C> {
  // biome-ignore lint/suspicious/noConfusingVoidType: a backend with nothing to ask for declares `attach(): void`.
  attach(config: C, numbers: LocalNumbers): LocalNumbersHooks | undefined | void;
}

/**
 * The backend contract: a class of one of two kinds, which core tells apart by the static `attach`. Either core
 * keeps the numbers in this process and the class reads them ({@link LocalBackendClass}), or the class stores
 * every number itself, an instance per number ({@link InstanceBackendClass}). Both may have the
 * {@link BackendHooks}.
 */
export type BackendClass<C = BackendConfig> = LocalBackendClass<C> | InstanceBackendClass<C>;

/** Whether a backend class keeps its numbers in process (it has `attach`). */
export function keepsNumbersLocal<C>(backendClass: BackendClass<C>): backendClass is LocalBackendClass<C> {
  return typeof (backendClass as Partial<LocalBackendClass<C>>).attach === 'function';
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
  const statics = candidate as unknown as Record<string, unknown>;
  for (const hook of ['attach', 'initialize', 'readMetrics', 'flush', 'close'] as const) {
    const value = statics[hook];
    if (value !== undefined && typeof value !== 'function') {
      throw new BackendError(`${source}: static ${hook} of ${candidate.name} must be a function`);
    }
  }
  if (statics.attach !== undefined) return;
  const missing = CONTRACT_METHODS.filter((method) => typeof candidate.prototype[method] !== 'function');
  if (missing.length > 0) {
    throw new BackendError(
      `${source}: class ${candidate.name || '(anonymous)'} is not a backend: it has no static attach(), and its instances lack ${missing.join(', ')}`,
    );
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
    if (loaded !== LOCAL_BACKEND) fromEnvironment.add(loaded);
  } else {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new BackendError(
        `loadBackend: expected { backendClass, backendConfig }, got ${describeValue(options)}`,
      );
    }
    checkOptions('loadBackend', options, LOAD_OPTIONS, BackendError);
    checkBackendClass(options.backendClass, 'loadBackend: backendClass');
    const config = options.backendConfig === undefined ? {} : options.backendConfig;
    checkBackendConfig(config, 'loadBackend: backendConfig');
    loaded = { backendClass: options.backendClass, backendConfig: config };
  }
  if (loaded.backendClass.initialize) {
    try {
      loaded.backendClass.initialize(loaded.backendConfig);
    } catch (error) {
      if (error instanceof BackendError) throw error;
      throw new BackendError(`backend ${loaded.backendClass.name} failed to initialize: ${reasonOf(error)}`, {
        cause: error,
      });
    }
  }
  const previous = sharedState().backend as LoadedBackend | undefined;
  sharedState().backend = loaded;
  // A backend loaded from the environment and replaced in code before any metric used it would otherwise keep its
  // connections open, and the process alive, for good: nothing can reach it any more, so close it. A backend
  // loaded in code stays as it is: its caller holds it and may still flush, read or close it.
  if (
    previous !== undefined &&
    previous !== loaded &&
    fromEnvironment.has(previous) &&
    !inUse.has(previous)
  ) {
    previous.backendClass.close?.(previous.backendConfig)?.catch(() => {});
  }
  return loaded;
}

// The backends that a metric is bound to (see markInUse), and those loaded from the environment.
const inUse = new WeakSet<LoadedBackend>();
const fromEnvironment = new WeakSet<LoadedBackend>();

/** @internal Notes that a metric bound to `backend`, so that loading another one does not close it. */
export function markInUse(backend: LoadedBackend): void {
  inUse.add(backend);
}

/** The backend metrics bind to now: the loaded one, or (loaded on first call) the environment's or memory. */
export function currentBackend(): LoadedBackend {
  return (sharedState().backend as LoadedBackend | undefined) ?? loadBackend();
}

const LOAD_OPTIONS = {
  known: ['backendClass', 'backendConfig'],
  elsewhere: { config: 'backendConfig', backend: 'backendClass', class: 'backendClass' },
} as const;

// Runs a hook of the current backend; what it throws or rejects with is a BackendError that names it.
async function runHook(hook: 'flush' | 'close'): Promise<void> {
  const { backendClass, backendConfig } = currentBackend();
  try {
    await backendClass[hook]?.(backendConfig);
  } catch (error) {
    if (error instanceof BackendError) throw error;
    throw new BackendError(`backend ${backendClass.name} failed to ${hook}: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}

/** Ships writes that the current backend buffers (a no-op for the memory backend). */
export async function flushBackend(): Promise<void> {
  await runHook('flush');
}

/**
 * Flushes and releases the current backend (connections, timers). Call it once when the process shuts down:
 * `process.on('SIGTERM', async () => { await closeBackend(); process.exit(0); })`.
 */
export async function closeBackend(): Promise<void> {
  await runHook('close');
}

interface NodeLikeProcess {
  env?: Record<string, string | undefined>;
  cwd?: () => string;
  getBuiltinModule?: (id: string) => unknown;
}

interface DenoLike {
  permissions?: { querySync?(descriptor: { name: 'env'; variable: string }): { state: string } };
}

// A variable of the environment, or undefined where the runtime does not let us read it without asking: Deno
// without --allow-env would throw (or prompt in a terminal) on the first metric, so its permission is queried
// first and a variable that is not granted counts as unset.
function readEnvironment(proc: NodeLikeProcess | undefined, name: string): string | undefined {
  try {
    const deno = (globalThis as { Deno?: DenoLike }).Deno;
    const query = deno?.permissions?.querySync;
    if (
      query !== undefined &&
      query.call(deno!.permissions, { name: 'env', variable: name }).state !== 'granted'
    ) {
      return undefined;
    }
    return proc?.env?.[name];
  } catch {
    return undefined;
  }
}

// Reads PYTHEUS_BACKEND_CLASS and PYTHEUS_BACKEND_CONFIG synchronously, so that loading from the environment can
// happen on a metric's first use. It reaches Node's modules through process.getBuiltinModule, so the main entry
// imports nothing from node:* and still runs unchanged on runtimes without them.
function backendFromEnvironment(): LoadedBackend | undefined {
  const proc = (globalThis as { process?: NodeLikeProcess }).process;
  const spec = readEnvironment(proc, 'PYTHEUS_BACKEND_CLASS');
  const configPath = readEnvironment(proc, 'PYTHEUS_BACKEND_CONFIG');
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
      const reason = reasonOf(error).split('\n')[0];
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
      throw new BackendError(`PYTHEUS_BACKEND_CONFIG: cannot read "${configPath}": ${reasonOf(error)}`, {
        cause: error,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new BackendError(
        `PYTHEUS_BACKEND_CONFIG: "${configPath}" is not valid JSON: ${reasonOf(error)}`,
        {
          cause: error,
        },
      );
    }
    checkBackendConfig(parsed, `PYTHEUS_BACKEND_CONFIG: "${configPath}"`);
    backendConfig = parsed;
  }
  return { backendClass, backendConfig };
}
