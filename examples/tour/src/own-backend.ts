// The tour, part 6: a backend of your own, in the shape the Python original has: an instance per stored number,
// with inc, dec, set and get, and an initialization hook. (The guide docs/writing-a-backend.md, shipped in
// @pytheus/backend-testkit, has the whole contract.)
import { CollectorRegistry, Gauge, generateMetrics, loadBackend } from '@pytheus/core';
import type { BackendConfig, SeriesDescriptor } from '@pytheus/core/backend';

// #region backend
const stores = new WeakMap<BackendConfig, Map<string, number>>();

class MapBackend {
  // Runs once per loadBackend(), before any instance: check the config, open what the backend needs.
  static initialize(config: BackendConfig): void {
    stores.set(config, new Map());
  }

  private readonly store: Map<string, number>;
  private readonly key: string;

  // One instance per stored number: a series, or a histogram's bucket, sum or count.
  constructor(config: BackendConfig, series: SeriesDescriptor, histogramBucket?: string) {
    this.store = stores.get(config)!;
    this.key = JSON.stringify([series.metric.name, series.labelValues, histogramBucket ?? null]);
  }

  inc(value: number): void {
    this.store.set(this.key, this.get() + value);
  }

  dec(value: number): void {
    this.inc(-value);
  }

  set(value: number): void {
    this.store.set(this.key, value);
  }

  get(): number {
    return this.store.get(this.key) ?? 0;
  }
}

loadBackend({ backendClass: MapBackend, backendConfig: { name: 'tour' } });
// #endregion backend

const registry = new CollectorRegistry();
const temperature = new Gauge('temperature_celsius', 'Temperature.', { registry, requiredLabels: ['room'] });
temperature.labels({ room: 'kitchen' }).set(21.5);
temperature.labels({ room: 'kitchen' }).inc(0.5);
console.log(await generateMetrics(registry));
