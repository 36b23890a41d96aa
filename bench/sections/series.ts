// Each library's operation is its own function literal, written out per library although the two anchors share
// an API: closures made from one literal share V8's type feedback, which would make a call site polymorphic and
// slow down whichever library is measured second.
import {
  Counter as PioCounter,
  Histogram as PioHistogram,
  Registry as PioRegistry,
} from '@prometheus-io/client';
import { CollectorRegistry, Counter, Histogram } from '@pytheus/core';
import { Counter as PromCounter, Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';
import { defineSection } from '../lib/section.js';
import { BUCKETS } from '../lib/workload.js';

// 100,000 series: 1000 tenants x 100 routes. The label values are built before the first heap reading, so only
// what each library keeps per series is counted (its keys, child objects and stored numbers).
const COUNT = 100_000;
const LABEL_NAMES = ['tenant', 'route'];

function labelValues() {
  const tenants = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
  const routes = Array.from({ length: 100 }, (_, i) => `/api/v1/resource${i}/:id`);
  return (i: number) => ({ tenant: tenants[i % 1000]!, route: routes[(i / 1000) | 0]! });
}

export default defineSection({
  name: 'series',
  title:
    'Creating 100,000 series (labels().inc() or .observe() on new label values), each library in a fresh process',
  cases: [
    {
      kind: 'series',
      name: 'create 100k counter series',
      count: COUNT,
      heapTarget: 2,
      setup: {
        pytheus: () => {
          const labels = labelValues();
          const registry = new CollectorRegistry();
          const counter = new Counter('requests_total', 'Requests', {
            registry,
            requiredLabels: LABEL_NAMES,
          });
          return { create: (i) => counter.labels(labels(i)).inc(), keep: registry };
        },
        'prom-client': () => {
          const labels = labelValues();
          const registry = new PromRegistry();
          const counter = new PromCounter({
            name: 'requests_total',
            help: 'Requests',
            labelNames: LABEL_NAMES,
            registers: [registry],
          });
          return { create: (i) => counter.labels(labels(i)).inc(), keep: registry };
        },
        '@prometheus-io/client': () => {
          const labels = labelValues();
          const registry = new PioRegistry();
          const counter = new PioCounter({
            name: 'requests_total',
            help: 'Requests',
            labelNames: LABEL_NAMES,
            registers: [registry],
          });
          return { create: (i) => counter.labels(labels(i)).inc(), keep: registry };
        },
      },
    },
    {
      kind: 'series',
      name: 'create 100k histogram series',
      count: COUNT,
      heapTarget: 2,
      setup: {
        pytheus: () => {
          const labels = labelValues();
          const registry = new CollectorRegistry();
          const histogram = new Histogram('request_duration_seconds', 'Latency', {
            registry,
            requiredLabels: LABEL_NAMES,
            buckets: BUCKETS,
          });
          return { create: (i) => histogram.labels(labels(i)).observe(0.042), keep: registry };
        },
        'prom-client': () => {
          const labels = labelValues();
          const registry = new PromRegistry();
          const histogram = new PromHistogram({
            name: 'request_duration_seconds',
            help: 'Latency',
            labelNames: LABEL_NAMES,
            buckets: BUCKETS,
            registers: [registry],
          });
          return { create: (i) => histogram.labels(labels(i)).observe(0.042), keep: registry };
        },
        '@prometheus-io/client': () => {
          const labels = labelValues();
          const registry = new PioRegistry();
          const histogram = new PioHistogram({
            name: 'request_duration_seconds',
            help: 'Latency',
            labelNames: LABEL_NAMES,
            buckets: BUCKETS,
            registers: [registry],
          });
          return { create: (i) => histogram.labels(labels(i)).observe(0.042), keep: registry };
        },
      },
    },
  ],
});
