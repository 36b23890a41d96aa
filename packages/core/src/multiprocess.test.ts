import { MemoryBackend } from '@pytheus/backend-memory';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendSample, LocalNumbers, MetricDescriptor } from './for-backends.js';
import {
  CollectorRegistry,
  Counter,
  Gauge,
  generateMetrics,
  Histogram,
  InvalidArgumentError,
  loadBackend,
  type MetricOptions,
  Summary,
} from './index.js';

afterEach(() => {
  loadBackend({ backendClass: MemoryBackend });
});

// Every metric type, built the same way, so that each case runs for all four.
const TYPES = {
  counter: (name: string, options: MetricOptions) => new Counter(name, 'c', options),
  gauge: (name: string, options: MetricOptions) => new Gauge(name, 'g', options),
  histogram: (name: string, options: MetricOptions) => new Histogram(name, 'h', { ...options, buckets: [1] }),
  summary: (name: string, options: MetricOptions) => new Summary(name, 's', options),
} as const;

function write(metric: ReturnType<(typeof TYPES)[keyof typeof TYPES]>): void {
  if (metric instanceof Counter || metric instanceof Gauge) metric.inc(2);
  else metric.observe(0.5);
}

describe('multiprocessMode on every metric type', () => {
  for (const [type, make] of Object.entries(TYPES)) {
    it(`${type}: 'shared' and 'perProcess' are accepted; anything else is refused, and nothing is registered`, () => {
      const registry = new CollectorRegistry();
      make('shared_one', { registry, multiprocessMode: 'shared' });
      make('per_process_one', { registry, multiprocessMode: 'perProcess' });
      expect(registry.get('per_process_one')?.type).toBe(type);
      for (const bad of ['sum', 'PerProcess', 1, null]) {
        expect(() => make('bad_one', { registry, multiprocessMode: bad as never })).toThrow(
          new InvalidArgumentError(
            `${type} "bad_one": multiprocessMode must be "shared" or "perProcess", got ${
              typeof bad === 'string' ? `"${bad}"` : bad === null ? 'null' : `number ${bad}`
            }`,
          ),
        );
      }
      expect(registry.get('bad_one')).toBeUndefined();
    });
  }

  it('goes into the descriptor a backend is told about (attach and batch read alike), absent when not given', async () => {
    const attached: MetricDescriptor[] = [];
    const read: MetricDescriptor[] = [];
    class Watching {
      static attach(_config: unknown, numbers: LocalNumbers) {
        attached.push(numbers.metric);
      }
      static async readMetrics(_config: unknown, metrics: readonly MetricDescriptor[]) {
        read.push(...metrics);
        return metrics.map((): BackendSample[] => []);
      }
    }
    loadBackend({ backendClass: Watching });
    const registry = new CollectorRegistry();
    for (const [type, make] of Object.entries(TYPES)) {
      write(make(`${type}_per_process`, { registry, multiprocessMode: 'perProcess' }));
      write(make(`${type}_shared`, { registry, multiprocessMode: 'shared' }));
      write(make(`${type}_default`, { registry }));
    }
    await generateMetrics(registry);
    for (const seen of [attached, read]) {
      expect(seen.map((metric) => [metric.name, metric.multiprocessMode])).toEqual(
        Object.keys(TYPES).flatMap((type) => [
          [`${type}_per_process`, 'perProcess'],
          [`${type}_shared`, 'shared'],
          [`${type}_default`, undefined],
        ]),
      );
    }
    expect('multiprocessMode' in read.find((metric) => metric.name === 'counter_default')!).toBe(false);
  });

  it('is ignored by the memory backend: a per-process metric is exposed as a shared one', async () => {
    const texts: string[] = [];
    for (const multiprocessMode of ['shared', 'perProcess'] as const) {
      const registry = new CollectorRegistry();
      for (const [type, make] of Object.entries(TYPES)) {
        const metric = make(`${type}_x`, { registry, multiprocessMode, requiredLabels: ['a'] });
        write(metric.labels({ a: '1' }));
        write(metric.labels({ a: '2' }));
      }
      texts.push(await generateMetrics(registry, { format: 'openmetrics' }));
    }
    expect(texts[1]).toBe(texts[0]);
    expect(texts[0]).toContain('counter_x_total{a="2"} 2\n');
    expect(texts[0]).toContain('histogram_x_bucket{a="1",le="1.0"} 1\n');
  });
});
