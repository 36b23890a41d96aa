import {
  CollectorError,
  DuplicateMetricError,
  describeValue,
  InvalidArgumentError,
  reasonOf,
} from './errors.js';
import { type Family, familyOf, isMetricObject } from './family.js';
import type { Metric } from './metric.js';
import { counterFamily, validateMetricName } from './names.js';
import { checkOptions } from './options.js';
import { checkLimitHook, checkMaxSeries, SERIES_REFUSED_NAME } from './series-limit.js';
import { sharedState } from './state.js';

/** What a custom collector's `collect()` may return: metrics, sync or async, as a list or a generator. */
export type CollectResult =
  | Iterable<Metric>
  | AsyncIterable<Metric>
  | Promise<Iterable<Metric> | AsyncIterable<Metric>>;

/**
 * A source of metrics that cannot be instrumented directly: on every scrape, `collect()` yields metrics created
 * with `registry: null` and filled in on the spot.
 *
 * @example
 * ```ts
 * class QueueCollector implements Collector {
 *   async *collect() {
 *     const depth = new Gauge('queue_depth', 'Jobs waiting', { registry: null });
 *     depth.set(await queue.size());
 *     yield depth;
 *   }
 * }
 * getDefaultRegistry().register(new QueueCollector());
 * ```
 */
export interface Collector {
  collect(): CollectResult;
  /** Names of the metrics `collect()` yields, if known ahead: lets `register()` refuse a clash at once. */
  describe?(): Iterable<string>;
}

/** Options of {@link CollectorRegistry}. */
export interface RegistryOptions {
  /** Put in front of every metric name, joined with `_`: prefix `app` exposes `requests_total` as `app_requests_total`. */
  prefix?: string;
  /**
   * The series limit of the metrics created in this registry that give none of their own (see
   * `MetricOptions.maxSeries`); default: no limit.
   */
  maxSeries?: number;
  /**
   * Told once per metric, when the metric first reaches its series limit and a new label set goes to its
   * overflow series; errors it throws are ignored. Default: a `console.warn`.
   */
  onSeriesLimit?: (metric: Metric) => void;
}

const REGISTRY_OPTIONS = { known: ['prefix', 'maxSeries', 'onSeriesLimit'] } as const;

// How a registry makes its counter of refused label sets: a metric class, which lives in metric.ts (this module
// cannot import it: metric.ts imports this one); metric.ts provides it when it loads, before any metric exists.
let makeRefusedCounter: ((registry: CollectorRegistry, name: string) => Metric) | undefined;

/** @internal Called once by metric.ts. */
export function provideRefusedCounter(make: (registry: CollectorRegistry, name: string) => Metric): void {
  makeRefusedCounter = make;
}

/**
 * Names a metric of this family claims in the exposition, so that no two metrics' samples can collide: its
 * samples' names in both formats, and the `_created` sample that OpenMetrics reserves for counters, histograms and
 * summaries (strict parsers refuse a gauge `x_created` beside a counter `x`).
 */
export function claimedNames(type: Family['type'], name: string): string[] {
  switch (type) {
    case 'counter': {
      // `x` and `x_total` are the same counter family.
      const base = counterFamily(name);
      return [name, base === name ? `${name}_total` : base, `${base}_created`];
    }
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`, `${name}_created`];
    case 'summary':
      return [name, `${name}_sum`, `${name}_count`, `${name}_created`];
    default:
      return [name];
  }
}

/** Whether `value` is a registry (of this or another copy of the package). */
export function isRegistry(value: unknown): value is CollectorRegistry {
  return (
    value instanceof CollectorRegistry ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Partial<CollectorRegistry>).register === 'function' &&
      typeof (value as Partial<CollectorRegistry>).exposedName === 'function' &&
      typeof (value as Partial<CollectorRegistry>).metrics === 'function')
  );
}

/**
 * Holds the metrics and collectors that one exposition shows, in registration order.
 *
 * @example
 * ```ts
 * const registry = new CollectorRegistry({ prefix: 'shop' });
 * const orders = new Counter('orders_total', 'Orders placed', { registry });
 * const text = await generateMetrics(registry); // shop_orders_total 0
 * ```
 */
export class CollectorRegistry {
  readonly prefix: string | undefined;
  /** The series limit of metrics created here that give none: `Infinity` for none. */
  readonly maxSeries: number;
  private readonly onSeriesLimit: ((metric: Metric) => void) | undefined;
  private readonly collectors: (Metric | Collector)[] = [];
  /** Exposed names (and the sample names they imply) to the metric that holds them. */
  private readonly names = new Map<string, Metric>();
  /** Names that registered collectors say they yield (`describe()`), to the collector. */
  private readonly described = new Map<string, Collector>();
  /** The counter of label sets refused by metrics at their series limit, made with the first limited metric. */
  private refusedCounter: Metric | undefined = undefined;
  private makingRefusedCounter = false;

  constructor(options?: RegistryOptions) {
    if (typeof options === 'string') {
      throw new InvalidArgumentError(
        `CollectorRegistry: options must be an object, got ${describeValue(options)}; for a prefix, new CollectorRegistry({ prefix: ${describeValue(options)} })`,
      );
    }
    checkOptions('CollectorRegistry', options, REGISTRY_OPTIONS);
    const prefix = options?.prefix;
    if (prefix !== undefined && prefix !== '') validateMetricName(prefix, 'registry prefix');
    const maxSeries = options?.maxSeries === undefined ? Number.POSITIVE_INFINITY : options.maxSeries;
    checkMaxSeries('CollectorRegistry', maxSeries);
    checkLimitHook('CollectorRegistry', options?.onSeriesLimit);
    this.prefix = prefix || undefined;
    this.maxSeries = maxSeries;
    this.onSeriesLimit = options?.onSeriesLimit;
  }

  /** The name a metric called `name` is exposed under here. */
  exposedName(name: string): string {
    return this.prefix === undefined ? name : `${this.prefix}_${name}`;
  }

  /**
   * Adds a metric or a collector. A metric whose name (or a sample name it implies, such as `x_bucket` for a
   * histogram `x`) is taken throws a {@link DuplicateMetricError} and leaves the registry unchanged.
   */
  register(collector: Metric | Collector): void {
    if (this.collectors.includes(collector)) {
      throw new DuplicateMetricError(`${describeCollector(collector)} is already registered`);
    }
    if (isMetric(collector)) {
      const family = familyOf(collector);
      const exposed = this.exposedName(family.name);
      const claims = claimedNames(family.type, exposed);
      const reserved = this.makingRefusedCounter
        ? []
        : claimedNames('counter', this.exposedName(SERIES_REFUSED_NAME));
      for (const claim of claims) {
        const holder = this.names.get(claim);
        if (holder !== undefined) {
          throw new DuplicateMetricError(
            `metric "${exposed}": the name "${claim}" is taken by ${familyOf(holder).type} "${this.exposedName(holder.name)}"`,
          );
        }
        const describer = this.described.get(claim);
        if (describer !== undefined) {
          throw new DuplicateMetricError(
            `metric "${exposed}": the name "${claim}" is taken by collector ${describeCollector(describer)}, which yields it`,
          );
        }
        if (reserved.includes(claim)) {
          throw new DuplicateMetricError(
            `metric "${exposed}": the name "${claim}" is reserved for the counter of label sets refused by metrics at their series limit`,
          );
        }
      }
      // Nothing is changed before every check has passed, so a refused metric leaves nothing behind.
      for (const claim of claims) this.names.set(claim, collector);
      this.collectors.push(collector);
      // The refused counter follows the first limited metric; its names are reserved, so it cannot clash.
      if (family.maxSeries !== Number.POSITIVE_INFINITY && !this.makingRefusedCounter) {
        const refused = this.refusedSeries(exposed);
        family.limitHooks = {
          refused: () => refused.inc(),
          onLimit: this.onSeriesLimit as ((metric: object) => void) | undefined,
        };
      }
      return;
    } else if (typeof (collector as Collector | undefined)?.collect === 'function') {
      const names = describedNames(collector);
      for (const name of names) {
        const exposed = this.exposedName(name);
        const holder = this.names.get(exposed) ?? this.described.get(exposed);
        if (holder !== undefined) {
          throw new DuplicateMetricError(
            `collector ${describeCollector(collector)}: metric "${exposed}" is already registered (${describeCollector(holder)})`,
          );
        }
      }
      for (const name of names) this.described.set(this.exposedName(name), collector);
      this.collectors.push(collector);
    } else {
      throw new InvalidArgumentError(
        `register() takes a metric or a collector with a collect() method, got ${describeValue(collector)}`,
      );
    }
  }

  // The series of the refused-label-sets counter for the metric exposed as `exposed`: the counter is made with
  // the first limited metric (registered here like any metric, so that it is exposed), the series at 0.
  private refusedSeries(exposed: string): { inc(): void } {
    if (this.refusedCounter === undefined) {
      this.makingRefusedCounter = true;
      try {
        this.refusedCounter = makeRefusedCounter!(this, SERIES_REFUSED_NAME);
      } finally {
        this.makingRefusedCounter = false;
      }
    }
    return this.refusedCounter.labels({ metric: exposed }) as unknown as { inc(): void };
  }

  /** Removes a metric or collector; returns whether it was registered. */
  unregister(collector: Metric | Collector): boolean {
    const index = this.collectors.indexOf(collector);
    if (index < 0) return false;
    this.collectors.splice(index, 1);
    if (isMetric(collector)) {
      for (const [name, holder] of this.names) if (holder === collector) this.names.delete(name);
    } else {
      for (const [name, holder] of this.described) if (holder === collector) this.described.delete(name);
    }
    return true;
  }

  /** The registered metric exposed under `name` (prefix included), if any. */
  get(name: string): Metric | undefined {
    const metric = this.names.get(name);
    return metric !== undefined && this.exposedName(metric.name) === name ? metric : undefined;
  }

  /**
   * Every metric to expose, in registration order, custom collectors expanded. The exposition never carries a
   * family twice, and every scrape of an unchanged registry does the same:
   * - a collector's metrics must be created with `registry: null`; one that yields a metric created in a registry
   *   (which would also be exposed, or be registered anew on the next scrape) rejects with a
   *   {@link CollectorError}, as does a `collect()` that throws or yields something other than metrics;
   * - a yielded metric whose names are taken (by a registered metric, wherever it stands in the order, or by a
   *   metric yielded before it) rejects with a {@link DuplicateMetricError} that names both.
   */
  async metrics(): Promise<Metric[]> {
    const out: Metric[] = [];
    // Registered metrics hold their names from the start, so a collector registered before them cannot take
    // their names in the exposition.
    const taken = new Map<string, string>();
    for (const [name, metric] of this.names) {
      taken.set(name, `${metric.type} "${this.exposedName(metric.name)}" (registered)`);
    }
    // By index, not over a copy: metrics that a collector registers while it collects (the runtime metrics do, when
    // a source first has something to show) are shown in this scrape already.
    for (let i = 0; i < this.collectors.length; i++) {
      const collector = this.collectors[i]!;
      if (isMetric(collector)) {
        out.push(collector);
        continue;
      }
      const source = `collector ${describeCollector(collector)}`;
      for (const metric of await collectFrom(collector, source)) {
        if (!isMetric(metric)) {
          throw new CollectorError(`${source} yielded ${describeValue(metric)} instead of a metric`);
        }
        const exposed = this.exposedName(metric.name);
        if (!familyOf(metric).processOnly) {
          throw new CollectorError(
            `${source} yielded metric "${exposed}", which was created in a registry: ${COLLECTOR_METRICS_RULE}`,
          );
        }
        const claims = claimedNames(metric.type, exposed);
        for (const claim of claims) {
          const holder = taken.get(claim);
          if (holder !== undefined) {
            throw new DuplicateMetricError(
              `${source} yielded ${metric.type} "${exposed}", but the name "${claim}" is taken by ${holder}`,
            );
          }
        }
        for (const claim of claims) taken.set(claim, `${metric.type} "${exposed}" (yielded by ${source})`);
        out.push(metric);
      }
    }
    return out;
  }
}

const COLLECTOR_METRICS_RULE = "a collector's metrics must be created with { registry: null }";

// What a collector yields on this scrape, as a list; any failure of its own is a CollectorError that names it.
async function collectFrom(collector: Collector, source: string): Promise<unknown[]> {
  try {
    const result: unknown = await collector.collect();
    const iterable = result as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
    if (
      typeof iterable !== 'object' ||
      iterable === null ||
      (typeof iterable[Symbol.iterator] !== 'function' &&
        typeof iterable[Symbol.asyncIterator] !== 'function')
    ) {
      throw new CollectorError(
        `${source}: collect() returned ${describeValue(result)}, not metrics (an iterable or async iterable of them)`,
      );
    }
    const items: unknown[] = [];
    for await (const item of result as AsyncIterable<unknown> | Iterable<unknown>) items.push(item);
    return items;
  } catch (error) {
    if (error instanceof CollectorError) throw error;
    // The usual cause: metrics created in a registry, which the next scrape's collect() registers a second time.
    const hint = error instanceof DuplicateMetricError ? ` (${COLLECTOR_METRICS_RULE})` : '';
    throw new CollectorError(`${source}: collect() failed: ${reasonOf(error)}${hint}`, { cause: error });
  }
}

// The names a collector says it yields, validated.
function describedNames(collector: Collector): string[] {
  if (collector.describe === undefined) return [];
  const source = `collector ${describeCollector(collector)}`;
  let names: unknown[];
  try {
    names = [...(collector.describe() as Iterable<unknown>)];
  } catch (error) {
    throw new CollectorError(`${source}: describe() failed: ${reasonOf(error)}`, { cause: error });
  }
  for (const name of names) validateMetricName(name, `name described by ${source}`);
  return names as string[];
}

function isMetric(value: unknown): value is Metric {
  return isMetricObject(value);
}

function describeCollector(collector: unknown): string {
  if (isMetric(collector)) return `metric "${collector.name}"`;
  const name = (collector as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name ? name : describeValue(collector);
}

/** The registry that metrics join when their options name none, and that `generateMetrics()` exposes. */
export function getDefaultRegistry(): CollectorRegistry {
  const state = sharedState();
  state.defaultRegistry ??= new CollectorRegistry();
  return state.defaultRegistry as CollectorRegistry;
}

/** Swaps the default registry (tests do this to start clean); returns the previous one. */
export function setDefaultRegistry(registry: CollectorRegistry): CollectorRegistry {
  if (!(registry instanceof CollectorRegistry)) {
    throw new InvalidArgumentError(
      `setDefaultRegistry() takes a CollectorRegistry, got ${describeValue(registry)}`,
    );
  }
  const previous = getDefaultRegistry();
  sharedState().defaultRegistry = registry;
  return previous;
}
