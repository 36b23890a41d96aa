// Runtime metrics: Prometheus' conventional process metrics and Node's own, read at scrape time by a collector.
// Node-only (its sources import node:*), exported by `@pytheus/core/node`. The sources are in runtime-sources.ts.
import type { LoadedBackend } from './backend.js';
import { DuplicateMetricError, describeValue, InvalidNameError, LabelError, PytheusError } from './errors.js';
import { familyOf } from './family.js';
import type { Metric } from './metric.js';
import { isLabelName, validateMetricName } from './names.js';
import { type Collector, CollectorRegistry, getDefaultRegistry } from './registry.js';
import { MetricMaker, SOURCES, type Source } from './runtime-sources.js';

export { GC_DURATION_BUCKETS } from './runtime-sources.js';

/** Options of {@link collectRuntimeMetrics}. */
export interface RuntimeMetricsOptions {
  /** The registry to expose the runtime metrics in; the default registry when absent. */
  registry?: CollectorRegistry;
  /** Put in front of every runtime metric's name, joined with `_` (after the registry's own prefix, if any). */
  prefix?: string;
  /** Labels with fixed values added to every runtime metric, such as `{ service: 'checkout' }`. */
  labels?: Readonly<Record<string, string>>;
  /**
   * Under a backend shared by several processes: how often this process refreshes its values so that a scrape
   * of another process shows them (default 5000 ms). Unused with the memory backend, where nothing runs between
   * scrapes.
   */
  refreshIntervalMs?: number;
}

/** What {@link collectRuntimeMetrics} returns. */
export interface RuntimeMetrics {
  readonly registry: CollectorRegistry;
  readonly prefix: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** The names of the metrics this runtime can show (as given, before the registry's prefix). */
  readonly names: readonly string[];
  /**
   * Unregisters the metrics, disconnects the GC observer, disables the event-loop delay monitor and stops the
   * refresh timer. Calling it again does nothing; `collectRuntimeMetrics()` afterwards starts anew.
   */
  stop(): void;
  readonly stopped: boolean;
}

const DEFAULT_REFRESH_MS = 5000;

/** Label names the runtime metrics use themselves, which `labels` may not take. */
const OWN_LABELS = ['space', 'type', 'kind', 'version', 'major', 'minor', 'patch', 'le'];

/**
 * Whether a backend shows other processes' series in a scrape (it has a batch read, the only way a series of
 * another process reaches an exposition): then this process refreshes its values on a timer for them.
 */
function sharedAcrossProcesses(backend: LoadedBackend): boolean {
  return typeof backend.backendClass.readMetrics === 'function';
}

class RuntimeCollector implements Collector, RuntimeMetrics {
  readonly names: readonly string[];
  stopped = false;
  private readonly sources: Source[] = [];
  /** Whether each source has had something to show: it is exposed from then on. */
  private readonly shown: boolean[];
  private readonly timer: ReturnType<typeof setInterval> | undefined = undefined;
  /** Set once the constructor has claimed the names: from then on a source shown for the first time registers. */
  private initialized = false;

  constructor(
    readonly registry: CollectorRegistry,
    readonly prefix: string | undefined,
    readonly labels: Readonly<Record<string, string>>,
    readonly refreshIntervalMs: number,
  ) {
    const make = new MetricMaker(registry, prefix, labels);
    for (const build of SOURCES) {
      try {
        const source = build(make);
        if (source !== undefined) this.sources.push(source);
      } catch (error) {
        // A runtime API that is missing or refuses (Bun, Deno) is left out; a mistake of ours is not hidden.
        if (error instanceof PytheusError) throw error;
      }
    }
    this.shown = this.sources.map(() => false);
    this.names = make.made.map((metric) => metric.name);
    // The metrics are registered in the registry, as any metric that a backend shares: a collector's own metrics
    // would stay in this process. Every name is claimed now, so that a clash is an error at once; a source's
    // metrics then stay registered from the refresh where it first has something to show.
    const claimed: Metric[] = [];
    try {
      for (const metric of make.made) {
        registry.register(metric);
        claimed.push(metric);
      }
      registry.register(this);
    } catch (error) {
      for (const metric of claimed) registry.unregister(metric);
      for (const source of this.sources) source.stop?.();
      throw error;
    }
    // The metrics bind now to the backend loaded now, as a metric does at its first use; a backend that other
    // processes read through gets this process' values on a timer, since nothing else would write them.
    let backend: LoadedBackend | undefined;
    for (const metric of make.made) backend = familyOf(metric).bind();
    this.refresh();
    this.sources.forEach((source, i) => {
      if (!this.shown[i]) for (const metric of source.metrics) registry.unregister(metric);
    });
    this.initialized = true;
    if (backend !== undefined && sharedAcrossProcesses(backend)) {
      this.timer = setInterval(() => this.refresh(), refreshIntervalMs);
      this.timer.unref?.();
    }
  }

  /** Reads every source; one that fails keeps its last values. A source with something to show for the first
   * time has its metrics registered (a scrape in progress shows them: see `CollectorRegistry.metrics`). */
  private refresh(): void {
    for (let i = 0; i < this.sources.length; i++) {
      const source = this.sources[i]!;
      try {
        if (!source.read() || this.shown[i]) continue;
        this.shown[i] = true;
      } catch {
        // Keep what was read before: a failed read (EMFILE on /proc, say) must not fail the scrape.
        continue;
      }
      if (this.initialized) {
        for (const metric of source.metrics) {
          try {
            this.registry.register(metric);
          } catch {
            // Its name was taken since: it stays unshown rather than fail the scrape.
          }
        }
      }
    }
  }

  /** Refreshes the values at scrape time; the metrics themselves are registered, so it yields none. */
  collect(): Metric[] {
    this.refresh();
    return [];
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const source of this.sources) source.stop?.();
    for (const source of this.sources) for (const metric of source.metrics) this.registry.unregister(metric);
    this.registry.unregister(this);
    if (running().get(this.registry) === this) running().delete(this.registry);
  }
}

// Which registries collect runtime metrics, shared by every copy of core in the process (as the default registry
// is), so that two copies asked for the same registry do not register the metrics twice.
const RUNNING = Symbol.for('@pytheus/core/runtime@1');

function running(): WeakMap<CollectorRegistry, RuntimeCollector> {
  const holder = globalThis as unknown as Record<symbol, WeakMap<CollectorRegistry, RuntimeCollector>>;
  holder[RUNNING] ??= new WeakMap();
  return holder[RUNNING];
}

interface CheckedOptions {
  registry: CollectorRegistry;
  prefix: string | undefined;
  labels: Readonly<Record<string, string>>;
  refreshIntervalMs: number;
}

function checkOptions(options: RuntimeMetricsOptions | undefined): CheckedOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new PytheusError(`collectRuntimeMetrics: options must be an object, got ${describeValue(options)}`);
  }
  const registry = options?.registry ?? getDefaultRegistry();
  if (!(registry instanceof CollectorRegistry)) {
    throw new PytheusError(
      `collectRuntimeMetrics: registry must be a CollectorRegistry, got ${describeValue(registry)}`,
    );
  }
  const prefix = options?.prefix || undefined;
  if (prefix !== undefined) validateMetricName(prefix, 'runtime metrics prefix');
  const given = options?.labels ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new LabelError(
      `collectRuntimeMetrics: labels must be an object of label values, got ${describeValue(given)}`,
    );
  }
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
    if (!isLabelName(name)) {
      throw new InvalidNameError(`collectRuntimeMetrics: invalid label name ${describeValue(name)}`);
    }
    if (OWN_LABELS.includes(name)) {
      throw new LabelError(
        `collectRuntimeMetrics: label "${name}" is used by the runtime metrics themselves (${OWN_LABELS.join(', ')})`,
      );
    }
    if (typeof value !== 'string') {
      throw new LabelError(
        `collectRuntimeMetrics: label "${name}" must be a string, got ${describeValue(value)}`,
      );
    }
    labels[name] = value;
  }
  const refreshIntervalMs = options?.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
  if (
    typeof refreshIntervalMs !== 'number' ||
    !(refreshIntervalMs > 0) ||
    !Number.isFinite(refreshIntervalMs)
  ) {
    throw new PytheusError(
      `collectRuntimeMetrics: refreshIntervalMs must be a positive number of milliseconds, got ${describeValue(refreshIntervalMs)}`,
    );
  }
  return { registry, prefix, labels: Object.freeze(labels), refreshIntervalMs };
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

/**
 * Registers Prometheus' conventional process metrics and Node's runtime metrics, read when the registry is
 * scraped: CPU time, start time, memory, file descriptors (Linux), V8 heap spaces, active handles, requests and
 * resources, event-loop delay percentiles and utilization over the time since the previous scrape, a GC pause
 * histogram by kind, and `nodejs_version_info`. Between scrapes only the delay monitor and the GC observer run.
 *
 * Every runtime metric is per process (`multiprocessMode: 'perProcess'`): under a multi-process backend, a scrape
 * of any process shows each live process' series, labelled by process, and a stopped process' series go when
 * they expire. The metrics bind to the backend loaded when this is called: call it after `loadBackend()` (or with
 * `PYTHEUS_BACKEND_*` in the environment, anywhere).
 *
 * Calling it again for the same registry with the same options returns the same handle; other options throw a
 * {@link DuplicateMetricError} until that handle is stopped.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { collectRuntimeMetrics, metricsHandler } from '@pytheus/core/node';
 *
 * const runtime = collectRuntimeMetrics({ labels: { service: 'checkout' } });
 * createServer(metricsHandler()).listen(9464);
 * // in tests or on hot reload:
 * runtime.stop();
 * ```
 */
export function collectRuntimeMetrics(options?: RuntimeMetricsOptions): RuntimeMetrics {
  const { registry, prefix, labels, refreshIntervalMs } = checkOptions(options);
  const existing = running().get(registry);
  if (existing !== undefined && !existing.stopped) {
    if (
      existing.prefix === prefix &&
      sameLabels(existing.labels, labels) &&
      existing.refreshIntervalMs === refreshIntervalMs
    ) {
      return existing;
    }
    throw new DuplicateMetricError(
      `collectRuntimeMetrics: this registry collects runtime metrics already, with prefix ${describeValue(existing.prefix ?? '')}, labels ${JSON.stringify(existing.labels)} and refreshIntervalMs ${existing.refreshIntervalMs}; stop() that handle before collecting with other options`,
    );
  }
  const collector = new RuntimeCollector(registry, prefix, labels, refreshIntervalMs);
  running().set(registry, collector);
  return collector;
}
