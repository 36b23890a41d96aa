import {
  BackendError,
  CollectorRegistry,
  Counter,
  closeBackend,
  flushBackend,
  generateMetrics,
  Histogram,
} from '@pytheus/core';
import { describe, expect, it } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';
import { failOnEscapes, type RedisServer, serversPerTest, useRedis, whenBack } from './harness.js';

const use = (server: RedisServer, extra: Partial<RedisBackendConfig> = {}) =>
  useRedis(server, 'faults', extra);

failOnEscapes();

const start = serversPerTest();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const scrapeWhenBack = (registry: CollectorRegistry) => whenBack(() => generateMetrics(registry));

describe('RedisBackend under faults', () => {
  it('applies a batch once when Redis applied it but the reply was lost (stalled past the command timeout)', async () => {
    const server = await start();
    const config = use(server, { commandTimeoutMs: 300, flushIntervalMs: 60_000 });
    const registry = new CollectorRegistry();
    const counter = new Counter('orders_total', 'orders', { registry });
    counter.inc(5);
    await flushBackend();

    const admin = server.admin();
    try {
      await admin.ping(); // connected, so that the sleep starts now and not after a slow connect
      const stalled = admin.call('DEBUG', 'SLEEP', '1.5');
      await sleep(100);
      counter.inc(3);
      // The batch reaches Redis but waits behind the sleep; the client gives up on the reply.
      await expect(flushBackend()).rejects.toThrow(BackendError);
      await expect(generateMetrics(registry)).rejects.toThrow(/Redis did not answer within 300 ms/);
      counter.inc(1);
      expect(() => counter.inc(1)).not.toThrow();
      await stalled;
      // Redis did apply the batch whose reply was lost (it runs the batch right after the sleep; this read may
      // still reach it first, so it polls: no flush is due, so only that batch can make it 8)...
      const key = `${config.keyPrefix}{orders_total}:counter:values`;
      let total = await admin.hget(key, '[]');
      for (let i = 0; i < 50 && total !== '8'; i++) {
        await sleep(20);
        total = await admin.hget(key, '[]');
      }
      expect(total).toBe('8');
    } finally {
      admin.disconnect();
    }
    // ...and the retry of that same batch is skipped: 5 + 3 + 1 + 1, nothing counted twice.
    expect(await generateMetrics(registry)).toBe(
      '# HELP orders_total orders\n# TYPE orders_total counter\norders_total 10\n',
    );
  });

  it('loses nothing and counts nothing twice while its connections are killed again and again', async () => {
    const server = await start();
    use(server, { flushIntervalMs: 2 });
    const registry = new CollectorRegistry();
    const counter = new Counter('events_total', 'events', { registry, requiredLabels: ['kind'] });
    const histogram = new Histogram('size_bytes', 'sizes', { registry, buckets: [10, 100] });
    const admin = server.admin();
    let kills = 0;
    try {
      for (let i = 0; i < 4000; i++) {
        counter.labels({ kind: i % 2 === 0 ? 'a' : 'b' }).inc();
        histogram.observe(i % 200);
        if (i % 20 === 0) await sleep(1);
        if (i % 400 === 0) kills += Number(await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
      }
    } finally {
      admin.disconnect();
    }
    expect(kills).toBeGreaterThan(0);
    // Per 200 observations: 11 in le=10 (0..10), 90 in le=100, 99 above; sum 0+1+...+199.
    expect(await scrapeWhenBack(registry)).toBe(
      [
        '# HELP events_total events',
        '# TYPE events_total counter',
        'events_total{kind="a"} 2000',
        'events_total{kind="b"} 2000',
        '# HELP size_bytes sizes',
        '# TYPE size_bytes histogram',
        'size_bytes_bucket{le="10.0"} 220',
        'size_bytes_bucket{le="100.0"} 2020',
        'size_bytes_bucket{le="+Inf"} 4000',
        `size_bytes_sum ${20 * 19900}`,
        'size_bytes_count 4000',
        '',
      ].join('\n'),
    );
  });

  it('keeps counting while Redis is down, rejects scrapes with a BackendError, and catches up after a restart', async () => {
    const server = await start({ appendonly: true });
    use(server, { commandTimeoutMs: 500, flushIntervalMs: 20 });
    const registry = new CollectorRegistry();
    const counter = new Counter('jobs_total', 'jobs', { registry });
    counter.inc(10);
    await flushBackend();

    await server.stop();
    for (let i = 0; i < 100_000; i++) counter.inc();
    await expect(generateMetrics(registry)).rejects.toThrow(BackendError);
    await expect(flushBackend()).rejects.toThrow(/^Redis backend: /);
    await sleep(100);
    counter.inc(5);

    await server.run();
    // The 10 written before the stop come back from the append-only file; the 100005 kept in memory follow.
    expect(await scrapeWhenBack(registry)).toBe(
      '# HELP jobs_total jobs\n# TYPE jobs_total counter\njobs_total 100015\n',
    );
  });

  it('keeps everything across a restart with persistence, also for writes the restart interrupted', async () => {
    const server = await start({ appendonly: true });
    use(server, { flushIntervalMs: 2 });
    const registry = new CollectorRegistry();
    const counter = new Counter('ticks_total', 'ticks', { registry });
    for (let i = 0; i < 3000; i++) {
      counter.inc();
      if (i % 50 === 0) await sleep(1);
      if (i === 1500) {
        await server.stop();
        await server.run();
      }
    }
    expect(await scrapeWhenBack(registry)).toBe(
      '# HELP ticks_total ticks\n# TYPE ticks_total counter\nticks_total 3000\n',
    );
  });

  it('flushes nothing and closes an idle load at once while Redis is down', async () => {
    const server = await start();
    const config = use(server, { commandTimeoutMs: 300 });
    await server.stop();
    await flushBackend();
    await RedisBackend.close(config);
  });

  it('ships the last writes on close, so a process that shuts down loses nothing', async () => {
    const server = await start();
    const config = use(server, { flushIntervalMs: 60_000 });
    const registry = new CollectorRegistry();
    new Counter('last_total', 'last', { registry }).inc(42);
    await closeBackend();

    const reader: RedisBackendConfig = { url: server.url, keyPrefix: config.keyPrefix };
    try {
      const [samples] = await RedisBackend.readMetrics(reader, [
        { name: 'last_total', type: 'counter', help: 'last', labelNames: [] },
      ]);
      expect(samples!.map(({ labelValues, value }) => ({ labelValues, value }))).toEqual([
        { labelValues: [], value: 42 },
      ]);
    } finally {
      await RedisBackend.close(reader);
    }
  });
});
