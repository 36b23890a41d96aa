import { type Collector, type CollectorRegistry, Counter, Gauge, Histogram, Summary } from '@pytheus/core';

// Label values that break naive keys: separators, quotes, braces, newlines, unicode, the empty string.
export const AWKWARD = [
  '',
  'a|b',
  '["x"]',
  'quote"back\\slash',
  'line\nbreak',
  '{tag}',
  'ünï😀',
  'sum',
  '+Inf',
];

/** The same operations, every metric type, for the memory-vs-Redis comparison. */
export function runScenario(registry: CollectorRegistry): void {
  const plain = new Counter('plain_total', 'never incremented', { registry });
  const requests = new Counter('requests_total', 'requests', {
    registry,
    requiredLabels: ['method', 'path'],
    defaultLabels: { method: 'GET' },
  });
  for (const [i, path] of AWKWARD.entries()) requests.labels({ path }).inc(i + 0.1);
  requests.labels({ method: 'GET', path: '/' }).inc(0.2);
  requests.labels({ path: '/' }).inc(0.1);
  requests.labels({ method: 'POST', path: '/' });
  void plain;

  const queue = new Gauge('queue_depth', 'items', { registry, requiredLabels: ['queue'] });
  queue.labels({ queue: 'a' }).set(10);
  queue.labels({ queue: 'a' }).inc(2.5);
  queue.labels({ queue: 'b' }).inc(3);
  queue.labels({ queue: 'b' }).dec(7);
  queue.labels({ queue: 'c' }).set(Number.POSITIVE_INFINITY);
  queue.labels({ queue: 'd' }).set(-0.1);
  queue.labels({ queue: 'd' }).dec(0.2);
  queue.labels({ queue: 'e' }).set(Number.NaN);

  const latency = new Histogram('latency_seconds', 'latency', {
    registry,
    requiredLabels: ['route'],
    buckets: [0.01, 0.1, 1, 10],
  });
  for (const value of [0.005, 0.01, 0.05, 0.3, 0.7, 2, 20, 1e9, 0])
    latency.labels({ route: AWKWARD[1]! }).observe(value);
  latency.labels({ route: '/idle' });
  new Histogram('sizes_bytes', 'sizes', { registry, buckets: [100, 1000] }).observe(512);

  const summary = new Summary('work_seconds', 'work', { registry, requiredLabels: ['job'] });
  summary.labels({ job: 'x' }).observe(0.1);
  summary.labels({ job: 'x' }).observe(0.2);
  summary.labels({ job: 'y' }).observe(3);

  // A custom collector: a counter it keeps and a gauge it builds afresh on every scrape (a set is a snapshot).
  const reads = new Counter('sensor_reads_total', 'reads', { registry: null, requiredLabels: ['sensor'] });
  reads.labels({ sensor: 'one' }).inc(4);
  const collector: Collector = {
    collect() {
      const temperature = new Gauge('temperature_celsius', 'from a sensor', { registry: null });
      temperature.set(21.5);
      return [temperature, reads];
    },
  };
  registry.register(collector);
}
