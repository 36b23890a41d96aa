// Each library's operation is its own function literal, written out per library although the two anchors share
// an API: closures made from one literal share V8's type feedback, which would make a call site polymorphic and
// slow down whichever library is measured second.
import { Gauge as PioGauge, Registry as PioRegistry } from '@prometheus-io/client';
import { CollectorRegistry, Gauge } from '@pytheus/core';
import { Gauge as PromGauge, Registry as PromRegistry } from 'prom-client';
import { anchorTotal, pytheusTotal } from '../lib/readback.js';
import { defineSection } from '../lib/section.js';
import { GAUGE_VALUES } from '../lib/workload.js';

const HELP = 'Jobs waiting';

export default defineSection({
  name: 'gauge',
  title: 'Gauges: set() on an unlabelled gauge',
  cases: [
    {
      kind: 'timed',
      name: 'gauge.set(v) unlabelled',
      setup: {
        pytheus: () => {
          const registry = new CollectorRegistry();
          const gauge = new Gauge('queue_depth', HELP, { registry });
          let i = 0;
          return { op: () => gauge.set(GAUGE_VALUES[i++ & 1023]! + 1), check: () => pytheusTotal(registry) };
        },
        'prom-client': () => {
          const gauge = new PromGauge({ name: 'queue_depth', help: HELP, registers: [new PromRegistry()] });
          let i = 0;
          return { op: () => gauge.set(GAUGE_VALUES[i++ & 1023]! + 1), check: () => anchorTotal(gauge) };
        },
        '@prometheus-io/client': () => {
          const gauge = new PioGauge({ name: 'queue_depth', help: HELP, registers: [new PioRegistry()] });
          let i = 0;
          return { op: () => gauge.set(GAUGE_VALUES[i++ & 1023]! + 1), check: () => anchorTotal(gauge) };
        },
      },
    },
  ],
});
