import { BackendError, generateMetrics } from '@pytheus/core';
import type {
  BackendSample,
  InstanceBackendClass,
  LocalBackendClass,
  LocalNumbers,
  SeriesDescriptor,
} from '@pytheus/core/backend';
import { expect } from 'vitest';
import type { AnyConformanceOptions } from './options.js';
import { type CheckRun, type Exposition, expectSameExposition, expose, write, writeFault } from './run.js';
import {
  additive,
  adversarialLabels,
  counters,
  declaredOnly,
  gauges,
  histograms,
  type Scenario,
  specialValues,
  storm,
  summaries,
} from './scenarios.js';

/** One conformance check. */
export interface Check {
  /** Stable id, used in results and to pick checks: `counter`, `labels-injective`, ... */
  readonly id: string;
  readonly title: string;
  /** Whether the check applies to a backend with these options. */
  applies(options: AnyConformanceOptions): boolean;
  run(run: CheckRun): Promise<void>;
}

const always = () => true;

/**
 * The core of most checks: the scenario's exposition on the backend under test equals the memory backend's, in
 * the process that wrote; and for shared storage also through a fresh load after a flush, which sees only what
 * the storage holds.
 */
async function matchesMemory(run: CheckRun, scenario: Scenario): Promise<void> {
  const expected = await run.reference(scenario);
  const writer = await run.load();
  const registry = run.registry();
  const writes = scenario.declare(registry);
  write(writes, 'in the scenario');
  expectSameExposition(await expose(registry), expected, 'in the process that wrote');
  if (run.shared) {
    await run.flush(writer);
    await readBack(run, scenario, expected, 'through a fresh load after flush()');
  }
}

/** A fresh load of the same storage declares the scenario's metrics, writes nothing, and must see `expected`. */
async function readBack(
  run: CheckRun,
  scenario: Scenario,
  expected: Exposition,
  when: string,
): Promise<void> {
  await run.load();
  const registry = run.registry();
  scenario.declare(registry);
  expectSameExposition(await expose(registry), expected, when);
}

function scenarioCheck(id: string, title: string, scenario: Scenario): Check {
  return { id, title, applies: always, run: (run) => matchesMemory(run, scenario) };
}

/**
 * Direct use of the contract, as core uses it. A class with instances: values per series and part, writes
 * returning nothing. A class that keeps numbers in process (`attach`): what attach answers; the numbers
 * themselves are core's, and every other check exercises them through core.
 */
async function instances(run: CheckRun): Promise<void> {
  const loaded = await run.load();
  const { backendClass, backendConfig: config } = loaded;
  if (typeof (backendClass as Partial<LocalBackendClass>).attach === 'function') {
    const numbers: LocalNumbers = {
      metric: { name: `${run.prefix}_direct`, type: 'gauge', help: 'g', labelNames: [] },
      parts: undefined,
      width: 1,
      seriesCount: 0,
      numbers: [],
      labelValues: () => [],
      forEachSeries: () => {},
    };
    const hooks: unknown = (backendClass as LocalBackendClass).attach(config, numbers);
    if (hooks !== undefined) {
      expect(typeof hooks, 'attach() must return nothing or an object of hooks').toBe('object');
      const set = (hooks as { set?: unknown }).set;
      expect(['undefined', 'function'], 'the set hook that attach() returns must be a function').toContain(
        typeof set,
      );
    }
    return;
  }
  const Backend = backendClass as InstanceBackendClass;
  const labelNames = ['k'];
  const histogram: SeriesDescriptor = {
    metric: {
      name: `${run.prefix}_direct_seconds`,
      type: 'histogram',
      help: 'h',
      labelNames,
      buckets: [1, Infinity],
    },
    labelValues: ['v'],
    labels: { k: 'v' },
  };
  const gauge: SeriesDescriptor = {
    metric: { name: `${run.prefix}_direct`, type: 'gauge', help: 'g', labelNames: [] },
    labelValues: [],
    labels: {},
  };
  const bucket = new Backend(config, histogram, '1.0');
  const inf = new Backend(config, histogram, '+Inf');
  const sum = new Backend(config, histogram, 'sum');
  const value = new Backend(config, gauge);
  const read = async (backend: { get(): number | Promise<number> }, what: string) => {
    const result = backend.get();
    const number = await result;
    expect(typeof number, `get() of ${what} must give a number`).toBe('number');
    return number;
  };
  expect(await read(bucket, 'a bucket never written'), 'a value never written reads 0').toBe(0);
  expect(await read(value, 'a gauge never written'), 'a value never written reads 0').toBe(0);
  expect(bucket.inc(1), 'inc() must return nothing (writes are synchronous)').toBeUndefined();
  expect(inf.inc(1), 'inc() must return nothing (writes are synchronous)').toBeUndefined();
  expect(sum.inc(0.5), 'inc() must return nothing (writes are synchronous)').toBeUndefined();
  expect(value.set(2), 'set() must return nothing (writes are synchronous)').toBeUndefined();
  expect(value.dec(0.5), 'dec() must return nothing (writes are synchronous)').toBeUndefined();
  expect(value.inc(0.25), 'inc() must return nothing (writes are synchronous)').toBeUndefined();
  expect(await read(bucket, 'bucket "1.0"'), 'bucket "1.0" after inc(1)').toBe(1);
  expect(await read(inf, 'bucket "+Inf"'), 'bucket "+Inf" after inc(1), kept apart from "1.0"').toBe(1);
  expect(await read(sum, 'part "sum"'), 'part "sum" after inc(0.5)').toBe(0.5);
  expect(await read(value, 'a gauge'), 'a gauge after set(2), dec(0.5), inc(0.25)').toBe(1.75);
}

/** Batch reads, when offered, report each series of the asked metrics with its labels and parts. */
async function batchRead(run: CheckRun): Promise<void> {
  const expected = await run.reference(histograms);
  const writer = await run.load();
  const registry = run.registry();
  write(histograms.declare(registry), 'in the scenario');
  expectSameExposition(await expose(registry), expected, 'in the process that wrote');
  const { backendClass, backendConfig } = writer;
  if (backendClass.readMetrics === undefined) return;
  const metric = {
    name: `${run.prefix}_latency_seconds`,
    type: 'histogram' as const,
    help: 'Custom buckets, no labels',
    labelNames: [],
    buckets: [0.25, 1, 2.5, 10, Infinity],
  };
  const results = await backendClass.readMetrics(backendConfig, [metric]);
  expect(results.length, 'readMetrics() returns one list of samples per metric asked').toBe(1);
  const parts = (results[0] as readonly BackendSample[])
    .map((sample) => `${JSON.stringify(sample.labelValues)} ${sample.histogramBucket} ${sample.value}`)
    .sort();
  // Buckets are stored non-cumulative: 0.25 gets -2, 0, 0.25; 1 gets 0.5, 1; 2.5 gets 2.5; 10 gets 3; +Inf 100.
  expect(parts, 'readMetrics() samples of a histogram: one per bucket bound, sum and nothing else').toEqual(
    ['[] +Inf 1', '[] 0.25 3', '[] 1.0 2', '[] 10.0 1', '[] 2.5 1', '[] sum 105.25'].sort(),
  );
}

/** Flush makes writes visible to other loads, reads are not cached, and flushing nothing is fine. */
async function flush(run: CheckRun): Promise<void> {
  const once = await run.reference(counters);
  const twice = await run.reference(counters, 2);
  const writer = await run.load();
  const registry = run.registry();
  const writes = counters.declare(registry);
  await run.flush(writer); // nothing pending yet
  write(writes, 'before the first flush');
  await run.flush(writer);
  expectSameExposition(await expose(registry), once, 'in the process that wrote, after flush()');
  if (!run.shared) {
    write(writes, 'after a flush');
    await run.flush(writer);
    expectSameExposition(await expose(registry), twice, 'after writing again and flushing again');
    return;
  }
  await run.load();
  const reader = run.registry();
  counters.declare(reader);
  expectSameExposition(await expose(reader), once, 'through a fresh load after flush()');
  write(writes, 'after a flush');
  await run.flush(writer);
  expectSameExposition(
    await expose(reader),
    twice,
    'through the same fresh load after more writes and another flush() (reads must not be cached)',
  );
}

/** Close ships pending writes (nothing lost), and writes after close do not throw. */
async function close(run: CheckRun): Promise<void> {
  const expected = await run.reference(counters);
  const idle = await run.load();
  await run.close(idle); // closing a load that wrote nothing
  const writer = await run.load();
  const registry = run.registry();
  const writes = counters.declare(registry);
  write(writes, 'before close()');
  await run.close(writer);
  if (run.shared) {
    await readBack(run, counters, expected, 'through a fresh load after close() without flush()');
  }
  // Whether a late write is kept is the backend's business; it only must not throw.
  write(writes, 'after close() (a late write during shutdown)');
}

/** Several loads on one storage write at once, flushing at different times: totals are exact. */
async function concurrentWriters(run: CheckRun): Promise<void> {
  const multi = run.options.multiProcess;
  const writers = (typeof multi === 'object' ? multi.writers : undefined) ?? 4;
  const rounds = (typeof multi === 'object' ? multi.rounds : undefined) ?? 25;
  const expected = await run.reference(additive, writers * rounds);
  const processes = [];
  for (let i = 0; i < writers; i++) {
    const loaded = await run.load();
    const registry = run.registry();
    const writes = additive.declare(registry);
    await expose(registry); // binds this registry's metrics to this load
    processes.push({ loaded, registry, writes });
  }
  await Promise.all(
    processes.map(async ({ loaded, registry, writes }, i) => {
      for (let round = 0; round < rounds; round++) {
        write(writes, `in writer ${i}, round ${round}`);
        if ((round + i) % 3 === 0) await run.flush(loaded);
        if (round === Math.floor(rounds / 2)) await expose(registry); // a scrape among the writes
      }
      await run.flush(loaded);
    }),
  );
  expectSameExposition(
    await expose(processes[0]!.registry),
    expected,
    `in writer 0 after all ${writers} flushed`,
  );
  await readBack(run, additive, expected, `through a fresh load after ${writers} writers flushed`);
}

/** Storage out of reach: writes still do not throw, a scrape rejects with BackendError. */
async function unavailable(run: CheckRun): Promise<void> {
  const loaded = await run.load('loadUnavailable');
  const registry = run.registry();
  write(counters.declare(registry), 'with the storage out of reach');
  write(storm(1000).declare(registry), 'with the storage out of reach');
  const error = await generateMetrics(registry).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  const fault = writeFault(error);
  if (fault !== undefined) throw fault;
  expect(error, 'a scrape with the storage out of reach must reject with BackendError').toBeInstanceOf(
    BackendError,
  );
  // Whether close() can ship anything here is the backend's business; it only must not hang.
  await run.close(loaded).catch(() => {});
}

/** Every check, in the order they run. */
export const CHECKS: readonly Check[] = [
  {
    id: 'instances',
    title:
      'the contract used directly: instances keep one value per series and part, writes return nothing, unwritten values read 0; attach() answers nothing or hooks',
    applies: always,
    run: instances,
  },
  scenarioCheck('counter', 'counters: no labels, required, default and partial labels', counters),
  scenarioCheck('gauge', 'gauges: set, inc and dec, negative and fractional values', gauges),
  scenarioCheck('histogram', 'histograms: custom and default buckets, bounds, labels', histograms),
  scenarioCheck('summary', 'summaries: sum and count, with and without labels', summaries),
  scenarioCheck(
    'labels-injective',
    'distinct label sets stay distinct with adversarial values (separators, quotes, newlines, unicode, encodings)',
    adversarialLabels,
  ),
  scenarioCheck('read-before-write', 'metrics read before any write expose zeros', declaredOnly),
  scenarioCheck(
    'special-values',
    'gauge values NaN, infinities, extremes and -0 survive storage',
    specialValues,
  ),
  {
    id: 'write-storm',
    title: 'a storm of writes never throws and loses nothing',
    applies: always,
    run: (run) => matchesMemory(run, storm(run.options.stormSize ?? 50_000)),
  },
  {
    id: 'batch-read',
    title: 'readMetrics(), when offered, returns every part of a series',
    applies: always,
    run: batchRead,
  },
  {
    id: 'flush',
    title: 'flush() makes writes visible and reads are not cached',
    applies: always,
    run: flush,
  },
  { id: 'close', title: 'close() loses nothing and later writes do not throw', applies: always, run: close },
  {
    id: 'concurrent-writers',
    title: 'several loads writing at once on shared storage add up exactly',
    applies: (options) => Boolean(options.multiProcess),
    run: concurrentWriters,
  },
  {
    id: 'unavailable',
    title: 'with storage out of reach, writes do not throw and a scrape rejects with BackendError',
    applies: (options) => options.loadUnavailable !== undefined,
    run: unavailable,
  },
];
