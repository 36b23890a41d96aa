// Core's property tests (packages/core/test/properties) on the Redis backend, against a real redis-server on a
// free port, through the public API only: loadBackend({ backendClass: RedisBackend, backendConfig }).
//
// Core may not depend on @pytheus/backend-redis (the Redis package depends on core, and turbo refuses the cycle),
// so the Redis run of core's properties lives here and imports core's model and judges by path.
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryBackend } from '@pytheus/backend-memory';
import { RedisBackend } from '@pytheus/backend-redis';
import {
  CollectorRegistry,
  Counter,
  closeBackend,
  generateMetrics,
  loadBackend,
  SERIES_OVERFLOW_VALUE,
} from '@pytheus/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../../core/test/judges/judges.js';
import { exactNumber, runScenario, scenario, stats } from '../../core/test/properties/model.js';
import { plainRedis, uniquePrefix } from './harness.js';

const RUNS = Math.ceil(Number(process.env.PYTHEUS_PROPERTY_RUNS ?? 200) / 4);

let redis: Awaited<ReturnType<typeof plainRedis>>;
beforeAll(async () => {
  redis = await plainRedis();
}, 60_000);
afterAll(async () => {
  loadBackend({ backendClass: MemoryBackend });
  await redis?.stop();
  console.info(`properties on Redis: ${JSON.stringify(stats)}`);
});

// Each run loads the backend with a key prefix of its own, so that no run sees another's numbers.
function onRedis(keyPrefix: () => string) {
  return {
    start: () =>
      void loadBackend({
        backendClass: RedisBackend,
        backendConfig: { url: redis.url, keyPrefix: keyPrefix() },
      }),
    stop: async () => {
      await closeBackend();
      loadBackend({ backendClass: MemoryBackend });
    },
  };
}

/** The number of hash fields (or keys) that Redis holds under a prefix: what a flood would make grow. */
function storedUnder(prefix: string): number {
  const cli = (...args: string[]) =>
    execFileSync('redis-cli', ['-u', redis.url, ...args], { encoding: 'utf8' });
  let stored = 0;
  for (const key of cli('--scan', '--pattern', `${prefix}*`).split('\n').filter(Boolean)) {
    stored += cli('TYPE', key).trim() === 'hash' ? Number(cli('HLEN', key)) : 1;
  }
  return stored;
}

describe('properties on the Redis backend', () => {
  it(`random registries, metrics, labels, buckets and writes are judged and read back exactly (${RUNS} runs)`, async () => {
    // Values whose sums are exact in any order, since Redis adds up what this process ships in batches.
    await fc.assert(
      fc.asyncProperty(scenario(exactNumber), (s) =>
        runScenario(
          s,
          onRedis(() => uniquePrefix('properties')),
        ),
      ),
      { numRuns: RUNS },
    );
  }, 600_000);

  it('keeps memory and Redis flat under a million distinct label values on a limited metric', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const keyPrefix = uniquePrefix('flood');
    const backend = onRedis(() => keyPrefix);
    await backend.start();
    try {
      const registry = new CollectorRegistry({ maxSeries: 100, onSeriesLimit: () => {} });
      const counter = new Counter('flood_total', 'c', { registry, requiredLabels: ['id'] });
      for (let i = 0; i < 100; i++) counter.labels({ id: `warm-${i}` }).inc();
      await generateMetrics(registry);
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 1_000_000; i++) counter.labels({ id: `id-${i}` }).inc();
      const text = await generateMetrics(registry, { format: 'openmetrics' });
      gc();
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
      // 100 series, the overflow series and the refused counter's series: nothing per refused value.
      expect(storedUnder(keyPrefix)).toBeLessThanOrEqual(110);
      expect(text).toContain(`flood_total{id="${SERIES_OVERFLOW_VALUE}"} 1000000\n`);
      expect(text).toContain('pytheus_series_refused_total{metric="flood_total"} 1000000\n');
      await judge(text, 'openmetrics');
    } finally {
      await backend.stop();
    }
  }, 120_000);
});
