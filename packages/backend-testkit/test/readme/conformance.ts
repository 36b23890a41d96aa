// The README's example, runnable as pasted: a small backend and the conformance suite on it. test/readme.test.ts
// imports this file, so the suite's checks run as tests there, and reads `stores` to see that cleanup ran.
export { stores };

// #region conformance
// test/conformance.test.ts
import { describeBackendConformance } from '@pytheus/backend-testkit';
import type { SeriesDescriptor } from '@pytheus/core/backend';

// The backend under test (yours goes here): every number in a Map, one Map per `store`, which all loads with that
// name share, as processes share a database.
const stores = new Map<string, Map<string, number>>();

class MapBackend {
  private readonly values: Map<string, number>;
  private readonly key: string;

  constructor(config: { store: string }, series: SeriesDescriptor, histogramBucket?: string) {
    let values = stores.get(config.store);
    if (values === undefined) stores.set(config.store, (values = new Map()));
    this.values = values;
    // One key per series and part, the whole list encoded: never label values joined with a separator.
    this.key = JSON.stringify([series.metric.name, series.labelValues, histogramBucket ?? null]);
  }

  inc(value: number): void {
    this.values.set(this.key, this.get() + value);
  }

  dec(value: number): void {
    this.values.set(this.key, this.get() - value);
  }

  set(value: number): void {
    this.values.set(this.key, value);
  }

  get(): number {
    return this.values.get(this.key) ?? 0;
  }
}

describeBackendConformance({
  name: 'MapBackend',
  // Called once per simulated process; `namespace` is unique per check and run: scope your storage with it.
  load: ({ namespace }) => ({ backendClass: MapBackend, backendConfig: { store: namespace } }),
  multiProcess: true, // several loads share storage and may write at once
  cleanup: ({ namespace }) => {
    stores.delete(namespace);
  },
});
// #endregion conformance
