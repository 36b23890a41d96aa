import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateMetrics } from '../test/judges/judges.js';
import {
  CollectorRegistry,
  Counter,
  exponentialBuckets,
  Gauge,
  Histogram,
  linearBuckets,
  MissingLabelsError,
  Summary,
} from './index.js';

let registry: CollectorRegistry;
beforeEach(() => {
  registry = new CollectorRegistry();
});
afterEach(() => {
  vi.useRealTimers();
});

const samples = async () =>
  (await generateMetrics(registry))
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .join('\n');

describe('Counter', () => {
  it('counts by one or by a given amount', async () => {
    const counter = new Counter('c_total', 'c', { registry });
    counter.inc();
    counter.inc(7);
    counter.inc(0.5);
    counter.inc(0);
    expect(await samples()).toBe('c_total 8.5');
  });

  it('exposes its name, description, type and labels', () => {
    const counter = new Counter('c_total', 'my help', { registry, requiredLabels: ['a'] });
    expect([counter.name, counter.description, counter.type, counter.labelNames]).toEqual([
      'c_total',
      'my help',
      'counter',
      ['a'],
    ]);
  });

  it('countExceptions runs a body and counts what it throws, then rethrows', async () => {
    const counter = new Counter('errors_total', 'e', { registry });
    expect(counter.countExceptions(() => 42)).toBe(42);
    expect(() =>
      counter.countExceptions(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await expect(counter.countExceptions(async () => Promise.reject(new Error('late')))).rejects.toThrow(
      'late',
    );
    await expect(counter.countExceptions(async () => 'fine')).resolves.toBe('fine');
    expect(await samples()).toBe('errors_total 2');
  });

  it('countExceptions counts only the given error classes', async () => {
    const counter = new Counter('errors_total', 'e', { registry });
    const run = (error: Error) =>
      counter.countExceptions(() => {
        throw error;
      }, [TypeError, RangeError]);
    expect(() => run(new TypeError('t'))).toThrow(TypeError);
    expect(() => run(new RangeError('r'))).toThrow(RangeError);
    expect(() => run(new SyntaxError('s'))).toThrow(SyntaxError);
    expect(await samples()).toBe('errors_total 2');
  });

  it('countExceptionsFunction wraps sync and async functions and keeps this and arguments', async () => {
    const counter = new Counter('errors_total', 'e', { registry });
    const divide = counter.countExceptionsFunction((a: number, b: number) => {
      if (b === 0) throw new RangeError('division by zero');
      return a / b;
    });
    expect(divide(6, 3)).toBe(2);
    expect(() => divide(1, 0)).toThrow('division by zero');
    const fetchIt = counter.countExceptionsFunction(async (fail: boolean) => {
      if (fail) throw new Error('no');
      return 'ok';
    });
    await expect(fetchIt(false)).resolves.toBe('ok');
    await expect(fetchIt(true)).rejects.toThrow('no');
    const holder = {
      factor: 3,
      times: counter.countExceptionsFunction(function (this: { factor: number }, x: number) {
        return this.factor * x;
      }),
    };
    expect(holder.times(2)).toBe(6);
    expect(await samples()).toBe('errors_total 2');
  });

  it('countExceptionsMethod decorates a class method', async () => {
    const counter = new Counter('errors_total', 'e', { registry });
    class Importer {
      constructor(private readonly fail: boolean) {}
      @counter.countExceptionsMethod()
      run(x: number): number {
        if (this.fail) throw new Error('failed');
        return x * 2;
      }
      @counter.countExceptionsMethod([TypeError])
      async load(): Promise<string> {
        throw new TypeError('bad');
      }
    }
    expect(new Importer(false).run(2)).toBe(4);
    expect(() => new Importer(true).run(2)).toThrow('failed');
    await expect(new Importer(false).load()).rejects.toThrow('bad');
    expect(await samples()).toBe('errors_total 2');
  });
});

describe('Gauge', () => {
  it('goes up, down, and is set', async () => {
    const gauge = new Gauge('g', 'g', { registry });
    gauge.inc();
    gauge.inc(7);
    gauge.dec();
    gauge.dec(2.5);
    expect(await samples()).toBe('g 4.5');
    gauge.set(-3);
    expect(await samples()).toBe('g -3');
    gauge.set(Number.NaN);
    expect(await samples()).toBe('g NaN');
    gauge.set(Number.NEGATIVE_INFINITY);
    expect(await samples()).toBe('g -Inf');
  });

  it('setToCurrentTime sets Unix seconds', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-02T03:04:05.250Z') });
    const gauge = new Gauge('last_run_timestamp_seconds', 'g', { registry });
    gauge.setToCurrentTime();
    expect(await samples()).toBe('last_run_timestamp_seconds 1767323045.25');
  });

  it('trackInprogress counts up now and down when stopped or disposed, once', async () => {
    const gauge = new Gauge('in_progress', 'g', { registry });
    const first = gauge.trackInprogress();
    {
      using _second = gauge.trackInprogress();
      expect(await samples()).toBe('in_progress 2');
    }
    expect(await samples()).toBe('in_progress 1');
    first.stop();
    first.stop();
    expect(first.stopped).toBe(true);
    expect(await samples()).toBe('in_progress 0');
  });

  it('trackInprogressFunction and the decorator go back down when the body throws or rejects', async () => {
    const gauge = new Gauge('in_progress', 'g', { registry });
    let seen = -1;
    const work = gauge.trackInprogressFunction(async (fail: boolean) => {
      seen = Number((await samples()).split(' ')[1]);
      if (fail) throw new Error('x');
      return 'done';
    });
    await expect(work(false)).resolves.toBe('done');
    expect(seen).toBe(1);
    await expect(work(true)).rejects.toThrow('x');
    class Worker {
      @gauge.trackInprogressMethod()
      step(): void {
        throw new Error('sync');
      }
    }
    expect(() => new Worker().step()).toThrow('sync');
    expect(await samples()).toBe('in_progress 0');
  });

  it('time() sets the duration in seconds', async () => {
    vi.useFakeTimers();
    const gauge = new Gauge('duration_seconds', 'g', { registry });
    const timer = gauge.time();
    vi.advanceTimersByTime(1500);
    expect(timer.stop()).toBe(1.5);
    expect(timer.stop()).toBe(1.5);
    vi.advanceTimersByTime(1000);
    expect(await samples()).toBe('duration_seconds 1.5');
    const slow = gauge.timeFunction(() => vi.advanceTimersByTime(250));
    slow();
    expect(await samples()).toBe('duration_seconds 0.25');
  });
});

describe('Histogram', () => {
  it('has the default buckets and adds +Inf', () => {
    const histogram = new Histogram('h', 'h', { registry });
    expect(histogram.buckets).toEqual([
      0.005,
      0.01,
      0.025,
      0.05,
      0.1,
      0.25,
      0.5,
      1,
      2.5,
      5,
      10,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('counts cumulatively, bounds inclusive, with sum and count', async () => {
    const histogram = new Histogram('h', 'h', { registry, buckets: [0.2, 1, 3] });
    for (const value of [0.1, 0.2, 0.4, 1, 2, 3, 3.5, 100, -1]) histogram.observe(value);
    expect(await samples()).toBe(
      [
        'h_bucket{le="0.2"} 3',
        'h_bucket{le="1.0"} 5',
        'h_bucket{le="3.0"} 7',
        'h_bucket{le="+Inf"} 9',
        'h_sum 109.2',
        'h_count 9',
      ].join('\n'),
    );
  });

  it('keeps +Inf as given and accepts infinite observations', async () => {
    const histogram = new Histogram('h', 'h', { registry, buckets: [1, Number.POSITIVE_INFINITY] });
    histogram.observe(Number.POSITIVE_INFINITY);
    expect(histogram.buckets).toEqual([1, Number.POSITIVE_INFINITY]);
    expect(await samples()).toBe('h_bucket{le="1.0"} 0\nh_bucket{le="+Inf"} 1\nh_sum +Inf\nh_count 1');
  });

  it('times code with using, with stop(), and with wrappers, also when the body throws', async () => {
    vi.useFakeTimers();
    const histogram = new Histogram('h_seconds', 'h', { registry, buckets: [1, 2] });
    {
      using _timer = histogram.time();
      vi.advanceTimersByTime(500);
    }
    const timer = histogram.time();
    vi.advanceTimersByTime(1500);
    timer.stop();
    const failing = histogram.timeFunction(() => {
      vi.advanceTimersByTime(3000);
      throw new Error('boom');
    });
    expect(() => failing()).toThrow('boom');
    const later = histogram.timeFunction(async () => {
      await Promise.resolve();
      vi.advanceTimersByTime(100);
      return 'done';
    });
    await expect(later()).resolves.toBe('done');
    class Handler {
      @histogram.timeMethod()
      async handle(): Promise<never> {
        vi.advanceTimersByTime(1000);
        throw new Error('late');
      }
    }
    await expect(new Handler().handle()).rejects.toThrow('late');
    expect(await samples()).toBe(
      [
        'h_seconds_bucket{le="1.0"} 3',
        'h_seconds_bucket{le="2.0"} 4',
        'h_seconds_bucket{le="+Inf"} 5',
        'h_seconds_sum 6.1',
        'h_seconds_count 5',
      ].join('\n'),
    );
  });

  it('time() on a metric that lacks labels throws at once', () => {
    const histogram = new Histogram('h', 'h', { registry, requiredLabels: ['a'] });
    expect(() => histogram.time()).toThrow(MissingLabelsError);
    expect(() => histogram.timeFunction(() => 1)).toThrow(MissingLabelsError);
  });
});

describe('Summary', () => {
  it('keeps sum and count', async () => {
    const summary = new Summary('s_bytes', 's', { registry });
    summary.observe(10);
    summary.observe(2.5);
    expect(await samples()).toBe('s_sum 12.5\ns_count 2'.replaceAll('s_', 's_bytes_'));
  });

  it('times code', async () => {
    vi.useFakeTimers();
    const summary = new Summary('s_seconds', 's', { registry });
    summary.timeFunction(() => vi.advanceTimersByTime(2000))();
    {
      using _ = summary.time();
      vi.advanceTimersByTime(500);
    }
    expect(await samples()).toBe('s_seconds_sum 2.5\ns_seconds_count 2');
  });
});

describe('subclasses', () => {
  it('children of a subclass have its fields and methods, and are instances of it', async () => {
    class RouteCounter<L extends string = string> extends Counter<L> {
      service = 'shop';
      hits(): number {
        return this.labelNames.length;
      }
    }
    const registry = new CollectorRegistry();
    const routes = new RouteCounter('route_hits_total', 'c', {
      registry,
      requiredLabels: ['route', 'method'],
    });
    const partial = routes.labels({ route: '/a' });
    const full = partial.labels({ method: 'GET' });
    for (const metric of [routes, partial, full]) {
      expect(metric).toBeInstanceOf(RouteCounter);
      expect(metric).toBeInstanceOf(Counter);
      expect(metric.service).toBe('shop');
      expect(metric.hits()).toBe(2);
    }
    full.inc();
    expect(routes.labels({ route: '/a', method: 'GET' })).toBe(full);
    // A plain Counter's children share one prototype with it and have only their own three fields.
    const plain = new Counter('plain_hits_total', 'c', { registry, requiredLabels: ['route'] });
    const child = plain.labels({ route: '/' });
    expect(Object.getPrototypeOf(child)).toBe(Counter.prototype);
    expect(Object.keys(child)).toHaveLength(3);
    expect(await generateMetrics(registry)).toContain('route_hits_total{route="/a",method="GET"} 1\n');
  });
});

describe('bucket helpers', () => {
  it('builds linear and exponential buckets', () => {
    expect(linearBuckets(1, 2, 4)).toEqual([1, 3, 5, 7]);
    expect(linearBuckets(0, 0.1, 3)).toEqual([0, 0.1, 0.2]);
    expect(exponentialBuckets(1, 10, 4)).toEqual([1, 10, 100, 1000]);
    expect(exponentialBuckets(0.5, 2, 3)).toEqual([0.5, 1, 2]);
  });
});
