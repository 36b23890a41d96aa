import { MemoryBackend } from '@pytheus/backend-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackendConfig, type BackendSample, loadBackend, type MetricDescriptor } from './backend.js';
import { Counter } from './counter.js';
import { generateMetrics } from './exposition.js';
import { Histogram } from './histogram.js';
import { CollectorRegistry } from './registry.js';

afterEach(() => {
  loadBackend({ backendClass: MemoryBackend });
});

/** A batch-reading backend that answers every metric with `samples`. */
function answering(samples: () => BackendSample[]) {
  return class extends MemoryBackend {
    static async readMetrics(_config: BackendConfig, metrics: readonly MetricDescriptor[]) {
      return metrics.map(samples);
    }
  };
}

describe('a batch read whose samples carry keys', () => {
  it("finds this process' series by the key, and reads label values only for series it does not have", async () => {
    let labelReads = 0;
    const sample = (values: string[], histogramBucket: string, value: number): BackendSample => ({
      key: JSON.stringify(values),
      get labelValues() {
        labelReads++;
        return values;
      },
      histogramBucket,
      value,
    });
    loadBackend({
      backendClass: answering(() => [
        sample(['local'], '1.0', 2),
        sample(['local'], '+Inf', 1),
        sample(['local'], 'sum', 3.5),
        sample(['remote'], '1.0', 1),
        sample(['remote'], 'sum', 0.5),
      ]),
    });
    const registry = new CollectorRegistry();
    new Histogram('latency_seconds', 'h', { registry, requiredLabels: ['where'], buckets: [1] })
      .labels({ where: 'local' })
      .observe(0.1);
    const text = await generateMetrics(registry);
    expect(text).toContain(
      'latency_seconds_bucket{where="local",le="+Inf"} 3\nlatency_seconds_sum{where="local"} 3.5\n',
    );
    expect(text).toContain('latency_seconds_count{where="remote"} 1\n');
    // The remote series' label values were read once, for its first part; the local series' never.
    expect(labelReads).toBe(1);
  });

  it('does not split a series whose key is spelled otherwise than JSON.stringify would', async () => {
    loadBackend({
      backendClass: answering(() => [
        // Not JSON.stringify's spelling of ["a"]: still this process' series "a".
        { key: '[ "a" ]', labelValues: ['a'], value: 2 },
        // Two spellings of one remote series: one series.
        { key: '["\\u0062"]', labelValues: ['b'], value: 3 },
        { key: '["b"]', labelValues: ['b'], value: 3 },
      ]),
    });
    const registry = new CollectorRegistry();
    new Counter('hits_total', 'c', { registry, requiredLabels: ['page'] }).labels({ page: 'a' }).inc();
    expect(await generateMetrics(registry)).toBe(
      '# HELP hits_total c\n# TYPE hits_total counter\nhits_total{page="a"} 2\nhits_total{page="b"} 3\n',
    );
  });
});
