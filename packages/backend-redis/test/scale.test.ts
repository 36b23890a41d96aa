import {
  BackendError,
  CollectorRegistry,
  Counter,
  flushBackend,
  generateMetrics,
  Histogram,
  loadBackend,
} from '@pytheus/core';
import { describe, expect, it } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';
import { failOnEscapes, serversPerTest, useRedis, whenBack } from './harness.js';

failOnEscapes();

const start = serversPerTest();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The exposition lines of one metric's series, read through a load that wrote nothing: what Redis holds. */
async function readBack(config: RedisBackendConfig, define: (registry: CollectorRegistry) => void) {
  const reader: RedisBackendConfig = { ...config };
  loadBackend({ backendClass: RedisBackend, backendConfig: reader });
  try {
    const registry = new CollectorRegistry();
    define(registry);
    return (await generateMetrics(registry))
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
  } finally {
    await RedisBackend.close(reader);
    loadBackend({ backendClass: RedisBackend, backendConfig: config });
  }
}

describe('RedisBackend at scale', () => {
  it('ships 50,000 new series of one metric from one flush interval, and the process lives on', async () => {
    const server = await start();
    const config = useRedis(server, 'scale', { flushIntervalMs: 200 });
    const counter = new Counter('requests_total', 'requests', {
      registry: new CollectorRegistry(),
      requiredLabels: ['route'],
    });
    for (let i = 0; i < 50_000; i++) counter.labels({ route: `/route/${i}` }).inc(i % 7);
    // The flush timer ships them: no flush call of ours.
    const admin = server.admin();
    try {
      for (let i = 0; i < 100; i++) {
        if ((await admin.hlen(`${config.keyPrefix}{requests_total}:counter:values`)) === 50_001) break;
        await sleep(100);
      }
    } finally {
      admin.disconnect();
    }
    const lines = await readBack(config, (registry) => {
      new Counter('requests_total', 'requests', { registry, requiredLabels: ['route'] });
    });
    expect(lines.length).toBe(50_000);
    const expected = new Set(
      Array.from({ length: 50_000 }, (_, i) => `requests_total{route="/route/${i}"} ${i % 7}`),
    );
    expect(lines.filter((line) => !expected.has(line))).toEqual([]);
  });

  it('ships 5,000 new histogram series in one flush, exactly', async () => {
    const server = await start();
    const config = useRedis(server, 'scale-histograms', { flushIntervalMs: 60_000 });
    const define = (registry: CollectorRegistry) =>
      new Histogram('latency_seconds', 'latency', { registry, requiredLabels: ['route'] });
    const histogram = define(new CollectorRegistry());
    for (let i = 0; i < 5000; i++) {
      histogram.labels({ route: `/r/${i}` }).observe(0.001 * (i % 100));
      histogram.labels({ route: `/r/${i}` }).observe(3);
    }
    await flushBackend();
    const lines = await readBack(config, define);
    // 13 numbers per series (12 buckets, sum and count) in the exposition, 5000 series.
    expect(lines.length).toBe(5000 * 14);
    expect(lines).toContain('latency_seconds_bucket{route="/r/4999",le="0.1"} 1');
    expect(lines).toContain('latency_seconds_bucket{route="/r/4999",le="+Inf"} 2');
    expect(lines).toContain('latency_seconds_count{route="/r/123"} 2');
    expect(lines).toContain(`latency_seconds_sum{route="/r/123"} ${0.001 * 23 + 3}`);
  });

  it('applies every batch of a large flush once while its connections are killed mid-flush', async () => {
    const server = await start();
    const config = useRedis(server, 'kills', { flushIntervalMs: 60_000, commandTimeoutMs: 5000 });
    const define = (registry: CollectorRegistry) =>
      new Counter('hits_total', 'hits', { registry, requiredLabels: ['key'] });
    const counter = define(new CollectorRegistry());
    const SERIES = 10_000;
    const admin = server.admin();
    let kills = 0;
    try {
      for (let round = 1; round <= 3; round++) {
        for (let k = 0; k < SERIES; k++) counter.labels({ key: `k${k}` }).inc(round);
        // 20 batches, one after the other; the connection dies under some of them.
        const flushed = flushBackend().catch((error: unknown) => error);
        for (let i = 0; i < 5; i++) {
          await sleep(15);
          kills += Number(await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
        }
        await flushed;
        await whenBack(flushBackend);
      }
    } finally {
      admin.disconnect();
    }
    expect(kills).toBeGreaterThan(0);
    const lines = await readBack(config, define);
    expect(lines.length).toBe(SERIES);
    expect(lines.filter((line) => !line.endsWith('} 6'))).toEqual([]);
  });

  it('takes a 30,000-series process through a 5 s outage: exact totals after, and it never stops counting', async () => {
    const server = await start({ appendonly: true });
    const config = useRedis(server, 'outage', { flushIntervalMs: 100, commandTimeoutMs: 1000 });
    const define = (registry: CollectorRegistry) =>
      new Counter('events_total', 'events', { registry, requiredLabels: ['key'] });
    const counter = define(new CollectorRegistry());
    const SERIES = 30_000;
    const children = Array.from({ length: SERIES }, (_, i) => counter.labels({ key: `k${i}` }));
    const totals = new Array<number>(SERIES).fill(0);
    let next = 0;
    // 10,000 series touched a second: 1000 every 100 ms, for 7 s, with Redis stopped from 1 s to 6 s.
    const touch = () => {
      for (let i = 0; i < 1000; i++) {
        const k = (next + i * 7919) % SERIES;
        children[k]!.inc();
        totals[k]!++;
      }
      next++;
    };
    const started = Date.now();
    let stopped = false;
    let restarted = false;
    while (Date.now() - started < 7000) {
      touch();
      if (!stopped && Date.now() - started > 1000) {
        stopped = true;
        await server.stop();
        touch();
        await expect(flushBackend()).rejects.toThrow(BackendError);
      }
      if (stopped && !restarted && Date.now() - started > 6000) {
        restarted = true;
        await server.run();
      }
      await sleep(100);
    }
    await whenBack(flushBackend);
    const lines = await readBack(config, define);
    const expected = totals.map((total, k) => `events_total{key="k${k}"} ${total}`).sort();
    expect(lines.sort()).toEqual(expected);
  }, 60_000);
});
