import { afterEach, describe, expect, it } from 'vitest';
import {
  type Collector,
  CollectorRegistry,
  Counter,
  DuplicateMetricError,
  Gauge,
  generateMetrics,
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

  it('a collector that clashes with a registered name: refused at register() when it describes, else the scrape fails', async () => {
    const registry = new CollectorRegistry();
    new Counter('name', 'desc', { registry });
    const yieldsName = {
      *collect(): Iterable<Metric> {
        yield new Counter('name', 'desc', { registry: null });
      },
    };
    expect(() => registry.register({ ...yieldsName, describe: () => ['name'] })).toThrow(
      'collector Object: metric "name" is already registered',
    );
    registry.register(yieldsName);
    await expect(generateMetrics(registry)).rejects.toThrow(DuplicateMetricError);
    await expect(generateMetrics(registry)).rejects.toThrow(
      'collector Object yielded metric "name", but "name" is already exposed',
    );
  });

  it('a collector that yields something else fails the scrape with a clear error', async () => {
    const registry = new CollectorRegistry();
    registry.register({ collect: () => [42 as unknown as Metric] });
    await expect(generateMetrics(registry)).rejects.toThrow(
      'collector Object yielded number 42 instead of a metric',
    );
  });
});
