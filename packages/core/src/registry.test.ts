import { afterEach, describe, expect, it } from 'vitest';
import { generateMetrics } from '../test/judges/judges.js';
import {
  type Collector,
  CollectorError,
  CollectorRegistry,
  Counter,
  DuplicateMetricError,
  Gauge,
  getDefaultRegistry,
  Histogram,
  type Metric,
  PytheusError,
  Summary,
  setDefaultRegistry,
} from './index.js';

const original = getDefaultRegistry();
afterEach(() => {
  setDefaultRegistry(original);
});

describe('default registry', () => {
  it('holds metrics created without a registry option, and can be swapped', async () => {
    const fresh = new CollectorRegistry();
    expect(setDefaultRegistry(fresh)).toBe(original);
    expect(getDefaultRegistry()).toBe(fresh);
    const counter = new Counter('default_total', 'in the default registry');
    counter.inc();
    expect(fresh.get('default_total')).toBe(counter);
    expect(await generateMetrics()).toBe(
      '# HELP default_total in the default registry\n# TYPE default_total counter\ndefault_total 1\n',
    );
    expect(() => setDefaultRegistry({} as CollectorRegistry)).toThrow(PytheusError);
  });

  it('registry: null registers nowhere', async () => {
    const fresh = new CollectorRegistry();
    setDefaultRegistry(fresh);
    new Counter('loose_total', 'x', { registry: null }).inc();
    expect(await generateMetrics()).toBe('');
  });
});

describe('prefix', () => {
  it('puts the prefix in front of every exposed name', async () => {
    const registry = new CollectorRegistry({ prefix: 'shop' });
    new Counter('orders_total', 'Orders', { registry }).inc(2);
    new Histogram('latency_seconds', 'Latency', { registry, buckets: [1] }).observe(0.5);
    expect(registry.get('shop_orders_total')?.name).toBe('orders_total');
    expect(await generateMetrics(registry)).toBe(
      [
        '# HELP shop_orders_total Orders',
        '# TYPE shop_orders_total counter',
        'shop_orders_total 2',
        '# HELP shop_latency_seconds Latency',
        '# TYPE shop_latency_seconds histogram',
        'shop_latency_seconds_bucket{le="1.0"} 1',
        'shop_latency_seconds_bucket{le="+Inf"} 1',
        'shop_latency_seconds_sum 0.5',
        'shop_latency_seconds_count 1',
        '',
      ].join('\n'),
    );
  });

  it('rejects an invalid prefix', () => {
    expect(() => new CollectorRegistry({ prefix: 'my-app' })).toThrow(
      'invalid registry prefix "my-app": expected a string matching',
    );
  });
});

describe('register and unregister', () => {
  it('keeps registration order in the output', async () => {
    const registry = new CollectorRegistry();
    new Gauge('b', 'b', { registry });
    new Counter('a_total', 'a', { registry });
    new Summary('c', 'c', { registry });
    const names = (await generateMetrics(registry)).split('\n').filter((line) => line.startsWith('# TYPE'));
    expect(names).toEqual(['# TYPE b gauge', '# TYPE a_total counter', '# TYPE c summary']);
  });

  it('refuses a second metric under a taken name, and keeps the first', async () => {
    const registry = new CollectorRegistry();
    const first = new Counter('jobs_total', 'first', { registry });
    first.inc();
    expect(() => new Counter('jobs_total', 'second', { registry })).toThrow(DuplicateMetricError);
    expect(() => new Gauge('jobs_total', 'second', { registry })).toThrow(
      'metric "jobs_total": the name "jobs_total" is taken by counter "jobs_total"',
    );
    expect(registry.get('jobs_total')).toBe(first);
    expect(await generateMetrics(registry)).toBe(
      '# HELP jobs_total first\n# TYPE jobs_total counter\njobs_total 1\n',
    );
  });

  it('refuses names that collide with the samples of a histogram or summary, or an OpenMetrics counter', () => {
    const registry = new CollectorRegistry();
    new Histogram('latency', 'h', { registry });
    expect(() => new Gauge('latency_bucket', 'g', { registry })).toThrow(
      'the name "latency_bucket" is taken by histogram "latency"',
    );
    expect(() => new Summary('latency_sum', 's', { registry })).toThrow(DuplicateMetricError);
    new Counter('requests', 'c', { registry });
    expect(() => new Counter('requests_total', 'c', { registry })).toThrow(
      'metric "requests_total": the name "requests_total" is taken by counter "requests"',
    );
  });

  it('refuses names that clash with the _created samples OpenMetrics reserves for counters, histograms and summaries', () => {
    const registry = new CollectorRegistry();
    new Counter('jobs', 'c', { registry });
    expect(() => new Gauge('jobs_created', 'g', { registry })).toThrow(
      new DuplicateMetricError('metric "jobs_created": the name "jobs_created" is taken by counter "jobs"'),
    );
    new Histogram('latency', 'h', { registry });
    expect(() => new Gauge('latency_created', 'g', { registry })).toThrow(DuplicateMetricError);
    new Gauge('size_created', 'g', { registry });
    expect(() => new Summary('size', 's', { registry })).toThrow(
      new DuplicateMetricError('metric "size": the name "size_created" is taken by gauge "size_created"'),
    );
  });

  it('a metric that fails validation is never registered', () => {
    const registry = new CollectorRegistry();
    expect(() => new Counter('ok_total', 'x', { registry, requiredLabels: ['bad-label'] })).toThrow();
    expect(() => new Histogram('ok_total', 'x', { registry, buckets: [2, 1] })).toThrow();
    expect(registry.get('ok_total')).toBeUndefined();
    expect(() => new Counter('ok_total', 'x', { registry })).not.toThrow();
  });

  it('unregisters a metric and frees its names', async () => {
    const registry = new CollectorRegistry();
    const histogram = new Histogram('latency', 'h', { registry });
    expect(registry.unregister(histogram)).toBe(true);
    expect(registry.unregister(histogram)).toBe(false);
    expect(await generateMetrics(registry)).toBe('');
    const gauge = new Gauge('latency_bucket', 'g', { registry });
    expect(() => registry.register(histogram)).toThrow(
      'the name "latency_bucket" is taken by gauge "latency_bucket"',
    );
    registry.unregister(gauge);
    registry.register(histogram);
    expect(() => registry.register(histogram)).toThrow('metric "latency" is already registered');
  });

  it('register() refuses what is neither a metric nor a collector', () => {
    const registry = new CollectorRegistry();
    expect(() => registry.register({} as Collector)).toThrow(
      'register() takes a metric or a collector with a collect() method, got an object',
    );
  });
});

describe('custom collectors', () => {
  it('exposes what collect() yields on every scrape: generators, async generators, arrays, promises', async () => {
    const registry = new CollectorRegistry({ prefix: 'app' });
    let scrapes = 0;
    class Sync implements Collector {
      *collect() {
        scrapes++;
        const counter = new Counter('sync_total', 'sync', { registry: null });
        counter.inc(scrapes);
        yield counter;
      }
    }
    class Async implements Collector {
      async *collect() {
        await Promise.resolve();
        const gauge = new Gauge('queue_depth', 'depth', { registry: null, requiredLabels: ['queue'] });
        gauge.labels({ queue: 'mail' }).set(3);
        yield gauge;
      }
    }
    const list: Collector = {
      collect: async () => {
        const summary = new Summary('batch_seconds', 'batch', { registry: null });
        summary.observe(2);
        return [summary];
      },
    };
    registry.register(new Sync());
    registry.register(new Async());
    registry.register(list);
    const expected = (n: number) =>
      [
        '# HELP app_sync_total sync',
        '# TYPE app_sync_total counter',
        `app_sync_total ${n}`,
        '# HELP app_queue_depth depth',
        '# TYPE app_queue_depth gauge',
        'app_queue_depth{queue="mail"} 3',
        '# HELP app_batch_seconds batch',
        '# TYPE app_batch_seconds summary',
        'app_batch_seconds_sum 2',
        'app_batch_seconds_count 1',
        '',
      ].join('\n');
    expect(await generateMetrics(registry)).toBe(expected(1));
    expect(await generateMetrics(registry)).toBe(expected(2));
  });

  it('a collector that clashes with a registered name: refused at register() when it describes, else every scrape fails', async () => {
    const registry = new CollectorRegistry();
    new Counter('name', 'desc', { registry });
    const yieldsName = {
      *collect(): Iterable<Metric> {
        yield new Counter('name', 'desc', { registry: null });
      },
    };
    expect(() => registry.register({ ...yieldsName, describe: () => ['name'] })).toThrow(
      'collector Object: metric "name" is already registered (metric "name")',
    );
    registry.register(yieldsName);
    for (let scrape = 0; scrape < 3; scrape++) {
      await expect(generateMetrics(registry)).rejects.toThrow(
        new DuplicateMetricError(
          'collector Object yielded counter "name", but the name "name" is taken by counter "name" (registered)',
        ),
      );
    }
  });

  it('a collector registered before a metric of the same name: the order does not matter, every scrape fails alike', async () => {
    const registry = new CollectorRegistry();
    registry.register({
      *collect() {
        yield new Gauge('depth', 'from the collector', { registry: null });
      },
    });
    new Gauge('depth', 'registered later', { registry });
    for (let scrape = 0; scrape < 3; scrape++) {
      await expect(generateMetrics(registry)).rejects.toThrow(
        new DuplicateMetricError(
          'collector Object yielded gauge "depth", but the name "depth" is taken by gauge "depth" (registered)',
        ),
      );
    }
  });

  it('a collector whose metrics are created in a registry (registry: null forgotten) fails every scrape, the first too', async () => {
    const fresh = new CollectorRegistry();
    setDefaultRegistry(fresh);
    class QueueCollector implements Collector {
      *collect() {
        const depth = new Gauge('queue_depth', 'Jobs waiting.'); // lands in the default registry
        depth.set(3);
        yield depth;
      }
    }
    fresh.register(new QueueCollector());
    // The first scrape sees a metric created in a registry; later ones see collect() fail on registering it
    // again. Both are CollectorErrors that name the collector, the metric and the fix.
    await expect(generateMetrics(fresh)).rejects.toThrow(
      new CollectorError(
        `collector QueueCollector yielded metric "queue_depth", which was created in a registry: a collector's metrics must be created with { registry: null }`,
      ),
    );
    for (let scrape = 0; scrape < 2; scrape++) {
      await expect(generateMetrics(fresh)).rejects.toThrow(
        new CollectorError(
          `collector QueueCollector: collect() failed: metric "queue_depth": the name "queue_depth" is taken by gauge "queue_depth" (a collector's metrics must be created with { registry: null })`,
        ),
      );
    }
  });

  it('a metric cannot take a name that a registered collector says it yields', () => {
    const registry = new CollectorRegistry({ prefix: 'app' });
    const collector = { describe: () => ['queue_depth'], collect: () => [] };
    registry.register(collector);
    expect(() => new Gauge('queue_depth', 'g', { registry })).toThrow(
      new DuplicateMetricError(
        'metric "app_queue_depth": the name "app_queue_depth" is taken by collector Object, which yields it',
      ),
    );
    registry.unregister(collector);
    expect(() => new Gauge('queue_depth', 'g', { registry })).not.toThrow();
  });

  it('two collectors that yield one name fail every scrape, naming both', async () => {
    const registry = new CollectorRegistry();
    class First implements Collector {
      *collect() {
        yield new Histogram('jobs', 'h', { registry: null });
      }
    }
    class Second implements Collector {
      *collect() {
        yield new Counter('jobs_count', 'c', { registry: null });
      }
    }
    registry.register(new First());
    registry.register(new Second());
    for (let scrape = 0; scrape < 2; scrape++) {
      await expect(generateMetrics(registry)).rejects.toThrow(
        new DuplicateMetricError(
          'collector Second yielded counter "jobs_count", but the name "jobs_count" is taken by histogram "jobs" (yielded by collector First)',
        ),
      );
    }
  });

  it('a collect() that throws, or returns something other than metrics, fails the scrape with a CollectorError', async () => {
    const registry = new CollectorRegistry();
    const collector = {
      collect(): Iterable<Metric> {
        throw new TypeError('queue is undefined');
      },
    };
    registry.register(collector);
    await expect(generateMetrics(registry)).rejects.toThrow(
      new CollectorError('collector Object: collect() failed: queue is undefined'),
    );
    registry.unregister(collector);
    registry.register({ collect: () => 5 as unknown as Metric[] });
    await expect(generateMetrics(registry)).rejects.toThrow(
      new CollectorError(
        'collector Object: collect() returned number 5, not metrics (an iterable or async iterable of them)',
      ),
    );
  });

  it('a collector that yields something else fails the scrape with a clear error', async () => {
    const registry = new CollectorRegistry();
    registry.register({ collect: () => [42 as unknown as Metric] });
    await expect(generateMetrics(registry)).rejects.toThrow(
      new CollectorError('collector Object yielded number 42 instead of a metric'),
    );
  });
});
