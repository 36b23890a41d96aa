import { CollectorRegistry, Counter, flushBackend, Gauge, generateMetrics, Histogram } from '@pytheus/core';
import { describe, expect, it } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';
import { asAnotherProcess, failOnEscapes, type RedisServer, serversPerTest, useRedis } from './harness.js';

failOnEscapes();
const start = serversPerTest();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What every simulated process defines. */
function define(registry: CollectorRegistry) {
  return {
    requests: new Counter('requests_total', 'requests', { registry }),
    inFlight: new Gauge('in_flight', 'requests in flight', { registry }),
    temperature: new Gauge('temperature', 'set once', { registry }),
    latency: new Histogram('latency_seconds', 'latency', { registry, buckets: [0.5, 1] }),
  };
}

/** The exposition as it should read: what the live processes hold. */
const EXPECTED = [
  '# HELP requests_total requests',
  '# TYPE requests_total counter',
  'requests_total 12',
  '# HELP in_flight requests in flight',
  '# TYPE in_flight gauge',
  'in_flight 4',
  '# HELP temperature set once',
  '# TYPE temperature gauge',
  'temperature 42',
  '# HELP latency_seconds latency',
  '# TYPE latency_seconds histogram',
  'latency_seconds_bucket{le="0.5"} 2',
  'latency_seconds_bucket{le="1.0"} 2',
  'latency_seconds_bucket{le="+Inf"} 3',
  'latency_seconds_sum 2.75',
  'latency_seconds_count 3',
  '',
].join('\n');

/**
 * Two processes (two loads) count into one Redis: A counted 5 requests, has 3 in flight, set the temperature
 * to 42 and observed 0.25 and 2; B counted 7, has 2 in flight and observed 0.5. Returns A's registry once both
 * flushed.
 */
async function twoProcesses(server: RedisServer, extra: Partial<RedisBackendConfig>) {
  const config = useRedis(server, 'loss', { flushIntervalMs: 50, ...extra });
  const other: RedisBackendConfig = { ...config };
  asAnotherProcess(config, other, (registry) => {
    const b = define(registry);
    b.requests.inc(7);
    b.inFlight.inc(2);
    b.latency.observe(0.5);
  });
  const own = new CollectorRegistry();
  const a = define(own);
  a.requests.inc(5);
  a.inFlight.inc(3);
  a.temperature.set(42);
  a.latency.observe(0.25);
  a.latency.observe(2);
  await flushBackend();
  await RedisBackend.flush(other);
  return { config, other, registry: own, a };
}

/** Scrapes until the exposition reads `expected`, for at most `ms`; returns what it read last. */
async function scrapeUntil(registry: CollectorRegistry, expected: string, ms: number): Promise<string> {
  const until = Date.now() + ms;
  let text = '';
  while (Date.now() < until) {
    try {
      text = await generateMetrics(registry);
      if (text === expected) return text;
    } catch {
      // Redis restarting: try again.
    }
    await sleep(25);
  }
  return text;
}

describe('RedisBackend after Redis lost its data', () => {
  it.each([
    [
      'a restart without persistence',
      async (server: RedisServer) => {
        await server.stop();
        await server.run();
      },
    ],
    [
      'FLUSHALL',
      async (server: RedisServer) => {
        const admin = server.admin();
        await admin.flushall();
        admin.disconnect();
      },
    ],
  ])('restores what the live processes hold after %s', async (_, lose) => {
    const server = await start();
    const { registry, a, other } = await twoProcesses(server, {});
    try {
      // A request of A ended before the loss: 2 in flight in A, 2 in B.
      a.inFlight.dec();
      expect(await generateMetrics(registry)).toBe(EXPECTED);
      await lose(server);
      // Within a flush or two, both processes found out and sent their whole contribution again: B without
      // writing anything, A along with its next change.
      expect(await scrapeUntil(registry, EXPECTED, 3000)).toBe(EXPECTED);
      // ...and the gauges stay right as requests end, instead of going negative.
      a.inFlight.dec(2);
      await sleep(200);
      expect(await generateMetrics(registry)).toContain('\nin_flight 2\n');
    } finally {
      await RedisBackend.close(other);
    }
  });

  it('keeps the keys alive while a process holds them, and restores them when they expired anyway', async () => {
    const server = await start();
    const { registry, a, other, config } = await twoProcesses(server, { expireSeconds: 1 });
    try {
      a.inFlight.dec();
      // Three times the expiry without a write: the keys are kept alive by the processes that hold them.
      await sleep(3000);
      expect(await generateMetrics(registry)).toBe(EXPECTED);
      // A stalled event loop (both processes here) lets them expire.
      const admin = server.admin();
      try {
        await admin.ping();
        const stalled = Date.now() + 1500;
        while (Date.now() < stalled) {
          // busy: no timer runs
        }
        expect(await admin.exists(`${config.keyPrefix}{requests_total}:counter:values`)).toBe(0);
      } finally {
        admin.disconnect();
      }
      expect(await scrapeUntil(registry, EXPECTED, 3000)).toBe(EXPECTED);
    } finally {
      await RedisBackend.close(other);
    }
  });

  it('does not take a writer whose record is gone, while the values live on, for a loss', async () => {
    const server = await start();
    const { registry, a, other, config } = await twoProcesses(server, {});
    try {
      const admin = server.admin();
      try {
        // The records of both writers go (as when records of quiet writers are pruned); the values stay.
        expect(await admin.del(`${config.keyPrefix}{requests_total}:counter:writers`)).toBe(1);
      } finally {
        admin.disconnect();
      }
      a.requests.inc();
      a.inFlight.dec();
      await sleep(200);
      expect(await generateMetrics(registry)).toBe(
        EXPECTED.replace('requests_total 12', 'requests_total 13'),
      );
    } finally {
      await RedisBackend.close(other);
    }
  });

  it('forgets the records of writers that stopped', async () => {
    const server = await start();
    const { config, other } = await twoProcesses(server, { expireSeconds: 1 });
    const writers = `${config.keyPrefix}{requests_total}:counter:writers`;
    const admin = server.admin();
    try {
      expect(await admin.hlen(writers)).toBe(2);
      await RedisBackend.close(other);
      let left = 2;
      for (let i = 0; i < 60 && left > 1; i++) {
        await sleep(100);
        left = await admin.hlen(writers);
      }
      expect(left).toBe(1);
    } finally {
      admin.disconnect();
    }
  });
});
