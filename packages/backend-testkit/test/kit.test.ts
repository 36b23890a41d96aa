import { PytheusError } from '@pytheus/core';
import { describe, expect, it } from 'vitest';
import {
  type BackendConformanceOptions,
  CONFORMANCE_CHECKS,
  type ConformanceResult,
  describeBackendConformance,
  runBackendConformance,
} from '../src/index.js';
import { ConcatenatingBackend, DroppingBackend } from './fixtures/local-backends.js';
import {
  dropNamespace,
  type Flaws,
  namespaceCount,
  type SharedStoreConfig,
  sharedStoreBackend,
} from './fixtures/shared-store.js';

// The kit is shown to catch what it claims to catch: each deliberately broken backend fails exactly the checks
// its defect concerns, and the correct backends it was derived from pass every check.

function sharedOptions(flaws: Flaws, batchRead = true): BackendConformanceOptions<SharedStoreConfig> {
  const backendClass = sharedStoreBackend(flaws, { batchRead });
  return {
    name: `shared store ${JSON.stringify(flaws)}${batchRead ? '' : ' without batch reads'}`,
    load: ({ namespace }) => ({ backendClass, backendConfig: { namespace } }),
    loadUnavailable: ({ namespace }) => ({ backendClass, backendConfig: { namespace, unreachable: true } }),
    multiProcess: true,
    cleanup: ({ namespace }) => dropNamespace(namespace),
  };
}

function failed(results: readonly ConformanceResult[]): string[] {
  return results.filter((result) => !result.passed).map((result) => result.id);
}

function errorOf(results: readonly ConformanceResult[], id: string): Error & { actual?: string } {
  return results.find((result) => result.id === id)!.error as Error & { actual?: string };
}

const ALL_IDS = CONFORMANCE_CHECKS.map((check) => check.id);

// The Vitest face, as a backend author uses it: the correct shared store registers and passes every check.
describeBackendConformance(sharedOptions({}));
describeBackendConformance({ ...sharedOptions({}, false), multiProcess: false, sharedStorage: true });

describe('runBackendConformance', () => {
  it('passes a correct backend on every check, and its cleanup drops every namespace it used', async () => {
    const before = namespaceCount();
    for (const batchRead of [true, false]) {
      const results = await runBackendConformance(sharedOptions({}, batchRead));
      expect(results.map((result) => result.id)).toEqual(ALL_IDS);
      expect(failed(results)).toEqual([]);
    }
    expect(namespaceCount()).toBe(before);
  });

  it('runs only the checks that apply: no concurrent writers or outage without the options for them', async () => {
    const backendClass = sharedStoreBackend();
    const results = await runBackendConformance({
      name: 'single process',
      load: ({ namespace }) => ({ backendClass, backendConfig: { namespace } }),
    });
    expect(results.map((result) => result.id)).toEqual(
      ALL_IDS.filter((id) => id !== 'concurrent-writers' && id !== 'unavailable'),
    );
    expect(failed(results)).toEqual([]);
  });

  it('runs the chosen checks only', async () => {
    const results = await runBackendConformance(sharedOptions({}), { checks: ['gauge', 'flush'] });
    expect(results.map((result) => result.id)).toEqual(['gauge', 'flush']);
  });
});

describe('a backend that drops increments', () => {
  it('fails every check that counts, in a single process', async () => {
    const results = await runBackendConformance({
      name: 'DroppingBackend',
      load: () => ({ backendClass: DroppingBackend, backendConfig: {} }),
    });
    // The summary's tenth increment adds an observation of 0 to its sum: a loss that shows nowhere.
    expect(failed(results)).toEqual([
      'counter',
      'histogram',
      'labels-injective',
      'write-storm',
      'batch-read',
      'flush',
    ]);
    const error = errorOf(results, 'write-storm');
    expect(error.message).toMatch(
      /^Prometheus text in the process that wrote differs from the memory backend's/,
    );
    // The storm's gauge goes up 16 667 times by 2 and down 33 333 times by 1; the lost writes show.
    expect((error as { expected?: string }).expected).toMatch(/_storm_level 1\n/);
    expect(error.actual).toMatch(/_storm_level 0\n/);
  });

  it('fails them too with shared storage, and loses increments across processes', async () => {
    expect(failed(await runBackendConformance(sharedOptions({ dropIncrements: true })))).toEqual([
      'counter',
      'histogram',
      'summary',
      'labels-injective',
      'write-storm',
      'batch-read',
      'flush',
      'close',
      'concurrent-writers',
    ]);
  });
});

describe('a backend that confuses two label sets', () => {
  it('fails only the injective-keys check when keys join label values with a separator', async () => {
    const results = await runBackendConformance({
      name: 'ConcatenatingBackend',
      load: () => ({ backendClass: ConcatenatingBackend, backendConfig: {} }),
    });
    expect(failed(results)).toEqual(['labels-injective']);
    // ("a,b", "c") and ("a", "b,c") share a key: both show the value written last.
    const error = errorOf(results, 'labels-injective');
    expect(error.actual).toMatch(/_label_pairs\{a="a,b",b="c"\} 2\n/);
    expect(error.actual).toMatch(/_label_pairs\{a="a",b="b,c"\} 2\n/);
  });

  it('fails it with shared storage and per-value reads as well', async () => {
    expect(failed(await runBackendConformance(sharedOptions({ concatenatedKeys: true }, false)))).toEqual([
      'labels-injective',
    ]);
  });

  it('catches a key that leaves out the histogram part', async () => {
    const results = await runBackendConformance(sharedOptions({ ignoreBucket: true }));
    expect(failed(results)).toEqual([
      'instances',
      'histogram',
      'summary',
      'labels-injective',
      'write-storm',
      'batch-read',
      'concurrent-writers',
    ]);
    expect(errorOf(results, 'instances').message).toBe(
      'bucket "1.0" after inc(1): expected 2.5 to be 1 // Object.is equality',
    );
  });
});

describe('other defects, one check each or close to it', () => {
  it('writes that throw under load', async () => {
    const results = await runBackendConformance(sharedOptions({ throwWhenBusy: true }));
    expect(failed(results)).toEqual(['write-storm', 'unavailable']);
    // Core keeps the throw from inc() and fails the scrape, which the kit reports as the write's failure.
    expect(errorOf(results, 'write-storm').message).toMatch(
      /^a write threw \(writes must never throw; core kept it from the caller and fails the scrape\): metric "[a-z0-9_]+": backend SharedStoreBackend failed a write \(inc\): write buffer full$/,
    );
  });

  it('writes that return a promise', async () => {
    const results = await runBackendConformance(sharedOptions({ asyncWrites: true }));
    expect(failed(results)).toEqual(['instances']);
    expect(errorOf(results, 'instances').message).toMatch(
      /^inc\(\) must return nothing \(writes are synchronous\)/,
    );
  });

  it('close() that drops pending writes', async () => {
    expect(failed(await runBackendConformance(sharedOptions({ loseOnClose: true })))).toEqual(['close']);
  });

  it('a flush that reads, waits and writes back (lost updates between processes)', async () => {
    expect(failed(await runBackendConformance(sharedOptions({ nonAtomicFlush: true })))).toEqual([
      'concurrent-writers',
    ]);
  });

  it('batch reads cached after the first one', async () => {
    const results = await runBackendConformance(sharedOptions({ cachedReads: true }));
    expect(failed(results)).toEqual(['batch-read', 'flush', 'concurrent-writers']);
    expect(errorOf(results, 'flush').message).toMatch(/reads must not be cached/);
  });

  it('get() of a value never written returning undefined', async () => {
    const results = await runBackendConformance(sharedOptions({ undefinedBeforeWrite: true }, false), {
      checks: ['instances', 'read-before-write'],
    });
    expect(failed(results)).toEqual(['instances', 'read-before-write']);
    expect(errorOf(results, 'instances').message).toMatch(
      /^get\(\) of a bucket never written must give a number/,
    );
  });

  it('values stored through JSON (NaN and infinities lost)', async () => {
    expect(failed(await runBackendConformance(sharedOptions({ jsonValues: true })))).toEqual([
      'special-values',
    ]);
  });

  it("reads that miss the process' own pending writes", async () => {
    const results = await runBackendConformance(sharedOptions({ ignoreOwnWrites: true }));
    expect(failed(results)).toEqual([
      'instances',
      'counter',
      'gauge',
      'histogram',
      'summary',
      'labels-injective',
      'special-values',
      'write-storm',
      'batch-read',
    ]);
  });

  it('an outage reported as empty data instead of an error', async () => {
    const results = await runBackendConformance(sharedOptions({ silentOutage: true }));
    expect(failed(results)).toEqual(['unavailable']);
    expect(errorOf(results, 'unavailable').message).toMatch(
      /^a scrape with the storage out of reach must reject with BackendError/,
    );
  });
});

describe('bad options', () => {
  it('throw a PytheusError that names the option', async () => {
    const backendClass = sharedStoreBackend();
    const load = () => ({ backendClass, backendConfig: { namespace: 'x' } });
    const cases: [unknown, string][] = [
      [undefined, 'backend conformance: options must be an object'],
      [{ load }, 'backend conformance: options.name must be a non-empty string'],
      [
        { name: 'x' },
        'backend conformance: options.load must be a function returning { backendClass, backendConfig }',
      ],
      [{ name: 'x', load, cleanup: 'no' }, 'backend conformance: options.cleanup must be a function'],
      [
        { name: 'x', load, multiProcess: 'yes' },
        'backend conformance: options.multiProcess must be a boolean or { writers, rounds }',
      ],
      [
        { name: 'x', load, multiProcess: { writers: 0 } },
        'backend conformance: options.multiProcess.writers must be a positive integer, got 0',
      ],
      [
        { name: 'x', load, stormSize: 1.5 },
        'backend conformance: options.stormSize must be a positive integer, got 1.5',
      ],
    ];
    for (const [options, message] of cases) {
      const error = await runBackendConformance(options as BackendConformanceOptions).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PytheusError);
      expect((error as Error).message).toBe(message);
      expect(() => describeBackendConformance(options as BackendConformanceOptions)).toThrow(message);
    }
  });

  it('an unknown check id is an error that lists the checks', async () => {
    const error = await runBackendConformance(sharedOptions({}), { checks: ['counters'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PytheusError);
    expect((error as Error).message).toBe(
      `backend conformance: unknown check counters (checks: ${ALL_IDS.join(', ')})`,
    );
  });
});
