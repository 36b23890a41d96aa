import { DuplicateMetricError, describeValue, PytheusError } from './errors.js';
import { type Family, familyOf, isMetricObject } from './family.js';
import type { Metric } from './metric.js';
import { counterFamily, validateMetricName } from './names.js';
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
}

/** Names a metric of this family claims in the exposition, so that no two metrics' samples can collide. */
export function claimedNames(type: Family['type'], name: string): string[] {
  switch (type) {
    case 'counter': {
      // `x` and `x_total` are the same counter family.
      const base = counterFamily(name);
      return [name, base === name ? `${name}_total` : base];
    }
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
    case 'summary':
      return [name, `${name}_sum`, `${name}_count`];
    default:
      return [name];
  }
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
  private readonly collectors: (Metric | Collector)[] = [];
  /** Exposed names (and the sample names they imply) to the metric that holds them. */
  private readonly names = new Map<string, Metric>();

  constructor(options: RegistryOptions = {}) {
    const prefix = options.prefix;
    if (prefix !== undefined && prefix !== '') validateMetricName(prefix, 'registry prefix');
    this.prefix = prefix || undefined;
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
      const claims = claimedNames(family.type, this.exposedName(family.name));
      for (const claim of claims) {
        const holder = this.names.get(claim);
        if (holder !== undefined) {
          throw new DuplicateMetricError(
            `metric "${this.exposedName(family.name)}": the name "${claim}" is taken by ${familyOf(holder).type} "${this.exposedName(holder.name)}"`,
          );
        }
      }
      for (const claim of claims) this.names.set(claim, collector);
    } else if (typeof (collector as Collector | undefined)?.collect === 'function') {
      for (const name of collector.describe?.() ?? []) {
        const exposed = this.exposedName(name);
        if (this.names.has(exposed)) {
          throw new DuplicateMetricError(
            `collector ${describeCollector(collector)}: metric "${exposed}" is already registered`,
          );
        }
      }
    } else {
      throw new PytheusError(
        `register() takes a metric or a collector with a collect() method, got ${describeValue(collector)}`,
      );
    }
    this.collectors.push(collector);
  }

  /** Removes a metric or collector; returns whether it was registered. */
  unregister(collector: Metric | Collector): boolean {
    const index = this.collectors.indexOf(collector);
    if (index < 0) return false;
    this.collectors.splice(index, 1);
    if (isMetric(collector)) {
      for (const [name, holder] of this.names) if (holder === collector) this.names.delete(name);
    }
    return true;
  }

  /** The registered metric exposed under `name` (prefix included), if any. */
  get(name: string): Metric | undefined {
    const metric = this.names.get(name);
    return metric !== undefined && this.exposedName(metric.name) === name ? metric : undefined;
  }

  /**
   * Every metric to expose, in registration order, custom collectors expanded. Rejects with a
   * {@link DuplicateMetricError} when a collector yields a name that is already exposed.
   */
  async metrics(): Promise<Metric[]> {
    const out: Metric[] = [];
    const seen = new Set<string>();
    for (const collector of this.collectors) {
      if (isMetric(collector)) {
        out.push(collector);
        for (const name of claimedNames(collector.type, this.exposedName(collector.name))) seen.add(name);
        continue;
      }
      for await (const metric of await collector.collect()) {
        if (!isMetric(metric)) {
          throw new PytheusError(
            `collector ${describeCollector(collector)} yielded ${describeValue(metric)} instead of a metric`,
          );
        }
        const claims = claimedNames(metric.type, this.exposedName(metric.name));
        const clash = claims.find((name) => seen.has(name));
        if (clash !== undefined) {
          throw new DuplicateMetricError(
            `collector ${describeCollector(collector)} yielded metric "${this.exposedName(metric.name)}", but "${clash}" is already exposed`,
          );
        }
        for (const name of claims) seen.add(name);
        out.push(metric);
      }
    }
    return out;
  }
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
    throw new PytheusError(`setDefaultRegistry() takes a CollectorRegistry, got ${describeValue(registry)}`);
  }
  const previous = getDefaultRegistry();
  sharedState().defaultRegistry = registry;
  return previous;
}
