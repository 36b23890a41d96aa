import {
  Counter as PioCounter,
  Histogram as PioHistogram,
  Registry as PioRegistry,
} from '@prometheus-io/client';
import { CollectorRegistry, Counter, type Format, generateMetrics, Histogram } from '@pytheus/core';
import { Counter as PromCounter, Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';
import { sampleLines } from '../lib/readback.js';
import { defineSection, type TimedCase } from '../lib/section.js';
import { BUCKETS, LATENCIES } from '../lib/workload.js';

// A registry of 1000 histogram series and 1000 counter series: 10 histograms and 10 counters, each with 100 series
// (4 methods x 25 routes). With default labels, every series also carries service and region.
const METRICS = 10;
const SERIES: readonly { method: string; route: string }[] = ['GET', 'POST', 'PUT', 'DELETE'].flatMap(
  (method) => Array.from({ length: 25 }, (_, i) => ({ method, route: `/api/v1/resource${i}/:id` })),
);
const DEFAULTS = { service: 'checkout', region: 'eu-west-1' };
const LABEL_NAMES = ['method', 'route'];

// Every series gets three observations, or an increment, so that values differ from series to series.
function fill(
  histogram: (labels: { method: string; route: string }) => { observe(value: number): void },
  counter: (labels: { method: string; route: string }) => { inc(value: number): void },
): void {
  SERIES.forEach((labels, i) => {
    for (let k = 0; k < 3; k++) histogram(labels).observe(LATENCIES[(i * 3 + k) & 1023]!);
    counter(labels).inc(i + 1);
  });
}

function pytheus(format: Format, withDefaults: boolean) {
  const registry = new CollectorRegistry();
  const options = withDefaults
    ? { registry, requiredLabels: ['service', 'region', ...LABEL_NAMES], defaultLabels: DEFAULTS }
    : { registry, requiredLabels: LABEL_NAMES };
  for (let m = 0; m < METRICS; m++) {
    const histogram = new Histogram(`request_duration_${m}_seconds`, 'Request latency', {
      ...options,
      buckets: BUCKETS,
    });
    const counter = new Counter(`requests_${m}_total`, 'Requests served', options);
    fill(
      (labels) => histogram.labels(labels),
      (labels) => counter.labels(labels),
    );
  }
  const op = () => generateMetrics(registry, { format });
  return { op, check: async () => sampleLines(await op()) };
}

const PIO = { Registry: PioRegistry, Counter: PioCounter, Histogram: PioHistogram };
// The two packages share their API; prom-client's types only omit the Registry constructor's content type.
const PROM = {
  Registry: PromRegistry,
  Counter: PromCounter,
  Histogram: PromHistogram,
} as unknown as typeof PIO;

function anchor(lib: typeof PIO, format: Format, withDefaults: boolean) {
  const registry = new lib.Registry(
    format === 'openmetrics' ? lib.Registry.OPENMETRICS_CONTENT_TYPE : lib.Registry.PROMETHEUS_CONTENT_TYPE,
  );
  if (withDefaults) registry.setDefaultLabels(DEFAULTS);
  for (let m = 0; m < METRICS; m++) {
    const histogram = new lib.Histogram({
      name: `request_duration_${m}_seconds`,
      help: 'Request latency',
      labelNames: LABEL_NAMES,
      buckets: BUCKETS,
      registers: [registry],
    });
    const counter = new lib.Counter({
      name: `requests_${m}_total`,
      help: 'Requests served',
      labelNames: LABEL_NAMES,
      registers: [registry],
    });
    fill(
      (labels) => histogram.labels(labels),
      (labels) => counter.labels(labels),
    );
  }
  const op = () => registry.metrics();
  return { op, check: async () => sampleLines(await op()) };
}

function renderCase(format: Format, withDefaults: boolean): TimedCase {
  return {
    kind: 'timed',
    name: `render, ${format}${withDefaults ? ', 2 default labels' : ''}`,
    target: withDefaults ? 5 : 3,
    setup: {
      pytheus: () => pytheus(format, withDefaults),
      'prom-client': () => anchor(PROM, format, withDefaults),
      '@prometheus-io/client': () => anchor(PIO, format, withDefaults),
    },
  };
}

export default defineSection({
  name: 'render',
  title: 'Rendering a registry of 1000 histogram series and 1000 counter series',
  cases: [
    renderCase('prometheus', false),
    renderCase('openmetrics', false),
    renderCase('prometheus', true),
    renderCase('openmetrics', true),
  ],
});
