import { MemoryBackend } from '@pytheus/backend-memory';
import {
  CollectorRegistry,
  Counter,
  closeBackend,
  Gauge,
  generateMetrics,
  Histogram,
  loadBackend,
} from '@pytheus/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';
import { asAnotherProcess, plainRedis, uniquePrefix } from './harness.js';
import { runScenario } from './scenario.js';

let redis: Awaited<ReturnType<typeof plainRedis>>;
beforeAll(async () => {
  redis = await plainRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function expositions(registry: CollectorRegistry): Promise<string[]> {
  // Scraped twice: a scrape must not change what the next one shows.
  const first = [await generateMetrics(registry), await generateMetrics(registry, { format: 'openmetrics' })];
  const second = [
    await generateMetrics(registry),
    await generateMetrics(registry, { format: 'openmetrics' }),
  ];
  expect(second).toEqual(first);
  return first;
}

async function withRedis<T>(prefix: string, work: (config: RedisBackendConfig) => Promise<T>): Promise<T> {
  const config: RedisBackendConfig = { url: redis.url, keyPrefix: uniquePrefix(prefix) };
  loadBackend({ backendClass: RedisBackend, backendConfig: config });
  try {
    return await work(config);
  } finally {
    await closeBackend();
    loadBackend({ backendClass: MemoryBackend });
  }
}

describe('RedisBackend against the memory backend', () => {
  it('exposes exactly what the memory backend exposes for the same operations, every type and custom collectors', async () => {
    loadBackend({ backendClass: MemoryBackend });
    const inMemory = new CollectorRegistry({ prefix: 'app' });
    runScenario(inMemory);
    const expected = await expositions(inMemory);
    expect(expected[0]).toContain('app_requests_total{method="GET",path="line\\nbreak"} 4.1');

    await withRedis('equal', async () => {
      const onRedis = new CollectorRegistry({ prefix: 'app' });
      runScenario(onRedis);
      expect(await expositions(onRedis)).toEqual(expected);
    });
  });

  it('shows series that only another writer created, with the same text as memory', async () => {
    await withRedis('others', async (config) => {
      // A second config object is a second, independent writer, as another process would be.
      const other: RedisBackendConfig = { ...config };
      const remote = asAnotherProcess(config, other, (registry) => {
        new Counter('jobs_total', 'jobs', { registry, requiredLabels: ['kind'] })
          .labels({ kind: 'remote' })
          .inc(5);
        new Gauge('level', 'level', { registry }).set(7);
      });
      try {
        await RedisBackend.flush(other);
        const registry = new CollectorRegistry();
        const counter = new Counter('jobs_total', 'jobs', { registry, requiredLabels: ['kind'] });
        const gauge = new Gauge('level', 'level', { registry });
        counter.labels({ kind: 'local' }).inc();
        gauge.inc(2);
        expect(await generateMetrics(registry)).toBe(
          [
            '# HELP jobs_total jobs',
            '# TYPE jobs_total counter',
            'jobs_total{kind="local"} 1',
            'jobs_total{kind="remote"} 5',
            '# HELP level level',
            '# TYPE level gauge',
            'level 9',
            '',
          ].join('\n'),
        );
        expect(await generateMetrics(remote)).toContain('\nlevel 9\n');
      } finally {
        await RedisBackend.close(other);
      }
    });
  });

  it('keeps a gauge shared: the last set wins and inc/dec add up, also when a set and an inc share a flush', async () => {
    await withRedis('gauges', async (config) => {
      const other: RedisBackendConfig = { ...config };
      let remote!: Gauge;
      asAnotherProcess(config, other, (registry) => {
        remote = new Gauge('shared_value', 'shared', { registry });
        remote.inc(100);
      });
      try {
        const registry = new CollectorRegistry();
        const gauge = new Gauge('shared_value', 'shared', { registry });
        await RedisBackend.flush(other);
        gauge.set(5);
        gauge.inc(1);
        expect(await generateMetrics(registry)).toContain('\nshared_value 6\n');
        remote.dec(2);
        await RedisBackend.flush(other);
        expect(await generateMetrics(registry)).toContain('\nshared_value 4\n');
        remote.set(-1);
        gauge.inc(3);
        await RedisBackend.flush(other);
        expect(await generateMetrics(registry)).toContain('\nshared_value 2\n');
      } finally {
        await RedisBackend.close(other);
      }
    });
  });

  it('gives per-process gauges a process label and removes them when their process closes', async () => {
    await withRedis('perprocess', async (config) => {
      const registry = new CollectorRegistry();
      const memory = new Gauge('memory_bytes', 'rss', {
        registry,
        multiprocessMode: 'perProcess',
        requiredLabels: ['kind'],
      });
      const other: RedisBackendConfig = { ...config, processId: 'worker "2"' };
      asAnotherProcess(config, other, (remote) => {
        new Gauge('memory_bytes', 'rss', {
          registry: remote,
          multiprocessMode: 'perProcess',
          requiredLabels: ['kind'],
        })
          .labels({ kind: 'rss' })
          .set(2048);
      });
      await RedisBackend.flush(other);
      memory.labels({ kind: 'rss' }).set(1024);
      // Used, and back at 0 before any flush: it shows, at 0.
      memory.labels({ kind: 'heap' }).inc(5);
      memory.labels({ kind: 'heap' }).dec(5);
      const own = `${(await import('node:os')).hostname()}:${process.pid}`;
      const lines = (await generateMetrics(registry))
        .split('\n')
        .filter((line) => line.startsWith('memory_bytes'));
      expect(lines.sort()).toEqual(
        [
          `memory_bytes{kind="heap",process="${own}"} 0`,
          `memory_bytes{kind="rss",process="${own}"} 1024`,
          'memory_bytes{kind="rss",process="worker \\"2\\""} 2048',
        ].sort(),
      );
      await RedisBackend.close(other);
      expect(
        (await generateMetrics(registry)).split('\n').filter((line) => line.startsWith('memory_bytes')),
      ).toEqual([
        `memory_bytes{kind="rss",process="${own}"} 1024`,
        `memory_bytes{kind="heap",process="${own}"} 0`,
      ]);
    });
  });

  it('keeps per-process counters and histograms apart: each process its own totals, removed when it closes', async () => {
    await withRedis('perprocess-totals', async (config) => {
      const define = (registry: CollectorRegistry) => ({
        jobs: new Counter('worker_jobs_total', 'jobs', { registry, multiprocessMode: 'perProcess' }),
        sizes: new Histogram('worker_sizes_bytes', 'sizes', {
          registry,
          multiprocessMode: 'perProcess',
          buckets: [10, 100],
        }),
      });
      const other: RedisBackendConfig = { ...config, processId: 'other' };
      asAnotherProcess(config, other, (registry) => {
        const remote = define(registry);
        remote.jobs.inc(7);
        remote.sizes.observe(50);
      });
      await RedisBackend.flush(other);
      const registry = new CollectorRegistry();
      const own = define(registry);
      own.jobs.inc(2);
      own.sizes.observe(5);
      own.sizes.observe(500);
      const me = `${(await import('node:os')).hostname()}:${process.pid}`;
      const lines = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
      expect(lines(await generateMetrics(registry)).sort()).toEqual(
        [
          `worker_jobs_total{process="${me}"} 2`,
          'worker_jobs_total{process="other"} 7',
          `worker_sizes_bytes_bucket{process="${me}",le="10.0"} 1`,
          `worker_sizes_bytes_bucket{process="${me}",le="100.0"} 1`,
          `worker_sizes_bytes_bucket{process="${me}",le="+Inf"} 2`,
          `worker_sizes_bytes_sum{process="${me}"} 505`,
          `worker_sizes_bytes_count{process="${me}"} 2`,
          'worker_sizes_bytes_bucket{process="other",le="10.0"} 0',
          'worker_sizes_bytes_bucket{process="other",le="100.0"} 1',
          'worker_sizes_bytes_bucket{process="other",le="+Inf"} 1',
          'worker_sizes_bytes_sum{process="other"} 50',
          'worker_sizes_bytes_count{process="other"} 1',
        ].sort(),
      );
      await RedisBackend.close(other);
      expect(lines(await generateMetrics(registry)).filter((line) => line.includes('"other"'))).toEqual([]);
    });
  });

  it('refuses a per-process gauge with a label named like the process label, on writes and reads alike', async () => {
    await withRedis('clash', async (config) => {
      const registry = new CollectorRegistry();
      const gauge = new Gauge('workers', 'w', {
        registry,
        multiprocessMode: 'perProcess',
        requiredLabels: ['process'],
      });
      expect(() => gauge.labels({ process: 'a' }).set(1)).not.toThrow();
      const message =
        'per-process gauge "workers" has a label named "process", the label the backend adds; rename the label or set "processLabel" in the config';
      await expect(generateMetrics(registry)).rejects.toThrow(message);
      await expect(
        RedisBackend.readMetrics(config, [
          {
            name: 'workers',
            type: 'gauge',
            help: 'w',
            labelNames: ['process'],
            multiprocessMode: 'perProcess',
          },
        ]),
      ).rejects.toThrow(message);
    });
  });

  it('shares one stored number between metrics of the same name, as Redis does between processes', async () => {
    await withRedis('same-name', async () => {
      const first = new CollectorRegistry();
      const second = new CollectorRegistry();
      const a = new Counter('hits_total', 'hits', { registry: first, requiredLabels: ['page'] });
      const b = new Counter('hits_total', 'hits', { registry: second, requiredLabels: ['page'] });
      a.labels({ page: '/' }).inc(2);
      b.labels({ page: '/' }).inc(3);
      const text = '# HELP hits_total hits\n# TYPE hits_total counter\nhits_total{page="/"} 5\n';
      expect(await generateMetrics(first)).toBe(text);
      expect(await generateMetrics(second)).toBe(text);
    });
  });

  it('works on your own ioredis client and leaves it open on close', async () => {
    const client = new Redis(redis.url);
    try {
      const keyPrefix = uniquePrefix('own-client');
      loadBackend({ backendClass: RedisBackend, backendConfig: { client, keyPrefix } });
      const registry = new CollectorRegistry();
      new Gauge('pool_size', 'pool', { registry }).set(12);
      expect(await generateMetrics(registry)).toBe(
        '# HELP pool_size pool\n# TYPE pool_size gauge\npool_size 12\n',
      );
      await closeBackend();
      expect(await client.hget(`${keyPrefix}{pool_size}:gauge:values`, '[]')).toBe('12');
    } finally {
      loadBackend({ backendClass: MemoryBackend });
      client.disconnect();
    }
  });
});
