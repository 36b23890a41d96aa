import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateMetrics, judge, sampleKey, samplesOf } from '../test/judges/judges.js';
import {
  CollectorRegistry,
  Counter,
  DuplicateMetricError,
  Gauge,
  Histogram,
  InvalidArgumentError,
  LabelValueLimit,
  type Metric,
  SERIES_OVERFLOW_VALUE,
  Summary,
} from './index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const OVERFLOW = SERIES_OVERFLOW_VALUE;

describe('maxSeries, the cardinality guard', () => {
  it('past the limit, new label sets count into one overflow series and the refused counter grows', async () => {
    const seen: Metric[] = [];
    const registry = new CollectorRegistry({ onSeriesLimit: (metric) => seen.push(metric) });
    const requests = new Counter('requests_total', 'Requests.', {
      registry,
      requiredLabels: ['route', 'method'],
      maxSeries: 2,
    });
    requests.labels({ route: '/a', method: 'GET' }).inc();
    requests.labels({ route: '/b', method: 'GET' }).inc(2);
    requests.labels({ route: '/c', method: 'GET' }).inc(3); // refused: overflow
    requests.labels({ route: '/d', method: 'POST' }).inc(4); // refused: overflow
    requests.labels({ route: '/a', method: 'GET' }).inc(10); // an existing series still counts as itself
    const overflow = requests.labels({ route: '/e', method: 'PUT' });
    expect(overflow.labelValues).toEqual({ route: OVERFLOW, method: OVERFLOW });
    // The warning hook is told once, with the metric.
    expect(seen).toEqual([requests]);
    expect(await generateMetrics(registry)).toBe(`# HELP requests_total Requests.
# TYPE requests_total counter
requests_total{route="/a",method="GET"} 11
requests_total{route="/b",method="GET"} 2
requests_total{route="${OVERFLOW}",method="${OVERFLOW}"} 7
# HELP pytheus_series_refused_total Label sets that metrics at their series limit (maxSeries) counted into their overflow series instead of a series of their own.
# TYPE pytheus_series_refused_total counter
pytheus_series_refused_total{metric="requests_total"} 3
`);
  });

  it('takes the registry default, which a metric may override; Infinity is no limit', async () => {
    const registry = new CollectorRegistry({ prefix: 'app', maxSeries: 1, onSeriesLimit: () => {} });
    const byDefault = new Gauge('temperature', 'g', { registry, requiredLabels: ['room'] });
    const own = new Gauge('humidity', 'g', { registry, requiredLabels: ['room'], maxSeries: 3 });
    const unlimited = new Gauge('pressure', 'g', {
      registry,
      requiredLabels: ['room'],
      maxSeries: Number.POSITIVE_INFINITY,
    });
    for (const room of ['a', 'b', 'c', 'd']) {
      byDefault.labels({ room }).inc();
      own.labels({ room }).inc();
      unlimited.labels({ room }).inc();
    }
    const samples = samplesOf(await judge(await generateMetrics(registry), 'prometheus'));
    expect(Object.fromEntries(samples)).toEqual({
      [sampleKey('app_temperature', { room: 'a' })]: '1',
      [sampleKey('app_temperature', { room: OVERFLOW })]: '3',
      [sampleKey('app_humidity', { room: 'a' })]: '1',
      [sampleKey('app_humidity', { room: 'b' })]: '1',
      [sampleKey('app_humidity', { room: 'c' })]: '1',
      [sampleKey('app_humidity', { room: OVERFLOW })]: '1',
      [sampleKey('app_pressure', { room: 'a' })]: '1',
      [sampleKey('app_pressure', { room: 'b' })]: '1',
      [sampleKey('app_pressure', { room: 'c' })]: '1',
      [sampleKey('app_pressure', { room: 'd' })]: '1',
      [sampleKey('app_pytheus_series_refused_total', { metric: 'app_temperature' })]: '3',
      [sampleKey('app_pytheus_series_refused_total', { metric: 'app_humidity' })]: '1',
    });
  });

  it('histograms and summaries overflow the same way, every number of theirs included', async () => {
    const registry = new CollectorRegistry({ onSeriesLimit: () => {} });
    const latency = new Histogram('latency_seconds', 'h', {
      registry,
      requiredLabels: ['route'],
      buckets: [1],
      maxSeries: 1,
    });
    const sizes = new Summary('size_bytes', 's', { registry, requiredLabels: ['route'], maxSeries: 1 });
    for (const [route, value] of [
      ['/a', 0.5],
      ['/b', 2],
      ['/c', 0.25],
    ] as const) {
      latency.labels({ route }).observe(value);
      sizes.labels({ route }).observe(value);
    }
    const text = await generateMetrics(registry, { format: 'openmetrics' });
    expect(text).toContain(`latency_seconds_bucket{route="${OVERFLOW}",le="1.0"} 1\n`);
    expect(text).toContain(`latency_seconds_bucket{route="${OVERFLOW}",le="+Inf"} 2\n`);
    expect(text).toContain(`latency_seconds_sum{route="${OVERFLOW}"} 2.25\n`);
    expect(text).toContain(`size_bytes_count{route="${OVERFLOW}"} 2\n`);
    expect(text).toContain('pytheus_series_refused_total{metric="latency_seconds"} 2\n');
  });

  it('the label set whose every value is the marker is the overflow series: never two series', async () => {
    const registry = new CollectorRegistry({ onSeriesLimit: () => {} });
    const counter = new Counter('c_total', 'c', { registry, requiredLabels: ['a', 'b'], maxSeries: 2 });
    counter.labels({ a: OVERFLOW, b: OVERFLOW }).inc(); // within the limit: made as an ordinary series
    counter.labels({ a: OVERFLOW, b: 'x' }).inc(); // only some values are the marker: its own series
    counter.labels({ a: 'new', b: 'new' }).inc(5); // refused: counts into the marker series
    expect(counter.labels({ a: 'other', b: 'set' })).toBe(counter.labels({ a: OVERFLOW, b: OVERFLOW }));
    expect(await generateMetrics(registry)).toContain(
      `c_total{a="${OVERFLOW}",b="${OVERFLOW}"} 6\nc_total{a="${OVERFLOW}",b="x"} 1\n`,
    );
  });

  it('partial children and defaults reach the limit like any other labels() call', async () => {
    const registry = new CollectorRegistry({ onSeriesLimit: () => {} });
    const counter = new Counter('c_total', 'c', {
      registry,
      requiredLabels: ['a', 'b'],
      defaultLabels: { b: 'd' },
      maxSeries: 1,
    });
    const partial = counter.labels({ b: 'x' });
    partial.labels({ a: '1' }).inc();
    partial.labels({ a: '2' }).inc();
    counter.labels({ a: '3' }).inc();
    expect(await generateMetrics(registry)).toContain(
      `c_total{a="1",b="x"} 1\nc_total{a="${OVERFLOW}",b="${OVERFLOW}"} 2\n`,
    );
  });

  it('without a hook, and for a metric in no registry, the first refusal is a console warning, once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loose = new Counter('loose_total', 'c', { registry: null, requiredLabels: ['a'], maxSeries: 1 });
    for (const a of ['1', '2', '3']) loose.labels({ a }).inc();
    const registry = new CollectorRegistry({ maxSeries: 1 });
    const held = new Counter('held_total', 'c', { registry, requiredLabels: ['a'] });
    for (const a of ['1', '2', '3']) held.labels({ a }).inc();
    expect(warn.mock.calls).toEqual([
      [
        `pytheus: metric "loose_total" reached its limit of 1 series; new label sets count into its overflow series, whose every label is "${OVERFLOW}"`,
      ],
      [
        `pytheus: metric "held_total" reached its limit of 1 series; new label sets count into its overflow series, whose every label is "${OVERFLOW}" (counted in pytheus_series_refused_total)`,
      ],
    ]);
  });

  it('a hook that throws does not fail labels(), nor stop the counting', async () => {
    const registry = new CollectorRegistry({
      maxSeries: 1,
      onSeriesLimit: () => {
        throw new Error('logger is down');
      },
    });
    const counter = new Counter('c_total', 'c', { registry, requiredLabels: ['a'] });
    counter.labels({ a: '1' }).inc();
    expect(() => counter.labels({ a: '2' }).inc()).not.toThrow();
    expect(await generateMetrics(registry)).toContain('pytheus_series_refused_total{metric="c_total"} 1\n');
  });

  it('reserves the refused counter names in every registry, so that making it can never clash', () => {
    const registry = new CollectorRegistry({ prefix: 'app' });
    expect(() => new Gauge('pytheus_series_refused_total', 'g', { registry })).toThrow(
      new DuplicateMetricError(
        'metric "app_pytheus_series_refused_total": the name "app_pytheus_series_refused_total" is reserved for the counter of label sets refused by metrics at their series limit',
      ),
    );
    expect(() => new Counter('pytheus_series_refused', 'c', { registry })).toThrow(DuplicateMetricError);
    expect(() => new Counter('pytheus_series_refused', 'c', { registry: null })).not.toThrow();
  });

  it('keeps memory flat under a million distinct label values', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const registry = new CollectorRegistry({ maxSeries: 1000, onSeriesLimit: () => {} });
    const counter = new Counter('flood_total', 'c', { registry, requiredLabels: ['id'] });
    for (let i = 0; i < 1000; i++) counter.labels({ id: `warm-${i}` }).inc();
    await generateMetrics(registry);
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) counter.labels({ id: `id-${i}` }).inc();
    const text = await generateMetrics(registry);
    gc();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // Unlimited, the same loop keeps ~100 bytes per series: ~100 MB. Limited, it keeps nothing per value.
    expect(grown).toBeLessThan(4 * 1024 * 1024);
    expect(text).toContain(`flood_total{id="${OVERFLOW}"} 1000000\n`);
    expect(text).toContain('pytheus_series_refused_total{metric="flood_total"} 1000000\n');
  }, 60_000);

  it('refuses a maxSeries or onSeriesLimit that is not one', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '10', null]) {
      expect(() => new Counter('c_total', 'c', { registry: null, maxSeries: bad as never })).toThrow(
        InvalidArgumentError,
      );
      expect(() => new CollectorRegistry({ maxSeries: bad as never })).toThrow(
        /CollectorRegistry: maxSeries must be an integer of at least 1/,
      );
    }
    expect(() => new CollectorRegistry({ onSeriesLimit: 'warn' as never })).toThrow(
      new InvalidArgumentError('CollectorRegistry: onSeriesLimit must be a function, got "warn"'),
    );
  });
});

describe('LabelValueLimit, the same guard for one label (the HTTP layer bounds its route label with it)', () => {
  it('lets the first values through and maps every later new one to the marker, telling the hook once', () => {
    const onLimit = vi.fn();
    const routes = new LabelValueLimit(2, onLimit);
    expect(['/a', '/b', '/a', '/c', '/d', '/b'].map((route) => routes.bound(route))).toEqual([
      '/a',
      '/b',
      '/a',
      OVERFLOW,
      OVERFLOW,
      '/b',
    ]);
    expect(routes.refused).toBe(2);
    expect(onLimit).toHaveBeenCalledTimes(1);
    expect(() => new LabelValueLimit(0)).toThrow(InvalidArgumentError);
    expect(() => new LabelValueLimit(3, 'x' as never)).toThrow(
      new InvalidArgumentError('LabelValueLimit: onLimit must be a function, got "x"'),
    );
  });
});
