// Each library's operation is its own function literal, written out per library although the two anchors share
// an API: closures made from one literal share V8's type feedback, which would make a call site polymorphic and
// slow down whichever library is measured second.
import { Counter as PioCounter, Registry as PioRegistry } from '@prometheus-io/client';
import { CollectorRegistry, Counter } from '@pytheus/core';
import { Counter as PromCounter, Registry as PromRegistry } from 'prom-client';
import { anchorTotal, pytheusTotal } from '../lib/readback.js';
import { defineSection } from '../lib/section.js';
import { THREE_LABELS } from '../lib/workload.js';

const LABEL_NAMES = ['method', 'route', 'status'] as const;
const HELP = 'Requests served';

export default defineSection({
  name: 'counter',
  title: 'Counters: inc() unlabelled, through labels() each time, and on a held child',
  cases: [
    {
      kind: 'timed',
      name: 'counter.inc() unlabelled',
      target: 5,
      setup: {
        pytheus: () => {
          const registry = new CollectorRegistry();
          const counter = new Counter('requests_total', HELP, { registry });
          return { op: () => counter.inc(), check: () => pytheusTotal(registry) };
        },
        'prom-client': () => {
          const counter = new PromCounter({
            name: 'requests_total',
            help: HELP,
            registers: [new PromRegistry()],
          });
          return { op: () => counter.inc(), check: () => anchorTotal(counter) };
        },
        '@prometheus-io/client': () => {
          const counter = new PioCounter({
            name: 'requests_total',
            help: HELP,
            registers: [new PioRegistry()],
          });
          return { op: () => counter.inc(), check: () => anchorTotal(counter) };
        },
      },
    },
    {
      kind: 'timed',
      name: 'labels({3 labels}).inc()',
      target: 4,
      setup: {
        pytheus: () => {
          const registry = new CollectorRegistry();
          const counter = new Counter('requests_total', HELP, { registry, requiredLabels: LABEL_NAMES });
          let i = 0;
          return {
            op: () => counter.labels(THREE_LABELS[i++ & 63]!).inc(),
            check: () => pytheusTotal(registry),
          };
        },
        'prom-client': () => {
          const counter = new PromCounter({
            name: 'requests_total',
            help: HELP,
            labelNames: LABEL_NAMES,
            registers: [new PromRegistry()],
          });
          let i = 0;
          return {
            op: () => counter.labels(THREE_LABELS[i++ & 63]!).inc(),
            check: () => anchorTotal(counter),
          };
        },
        '@prometheus-io/client': () => {
          const counter = new PioCounter({
            name: 'requests_total',
            help: HELP,
            labelNames: LABEL_NAMES,
            registers: [new PioRegistry()],
          });
          let i = 0;
          return {
            op: () => counter.labels(THREE_LABELS[i++ & 63]!).inc(),
            check: () => anchorTotal(counter),
          };
        },
      },
    },
    {
      kind: 'timed',
      name: 'held child inc() (3 labels)',
      target: 20,
      setup: {
        pytheus: () => {
          const registry = new CollectorRegistry();
          const counter = new Counter('requests_total', HELP, { registry, requiredLabels: LABEL_NAMES });
          const child = counter.labels(THREE_LABELS[0]!);
          return { op: () => child.inc(), check: () => pytheusTotal(registry) };
        },
        'prom-client': () => {
          const counter = new PromCounter({
            name: 'requests_total',
            help: HELP,
            labelNames: LABEL_NAMES,
            registers: [new PromRegistry()],
          });
          const child = counter.labels(THREE_LABELS[0]!);
          return { op: () => child.inc(), check: () => anchorTotal(counter) };
        },
        '@prometheus-io/client': () => {
          const counter = new PioCounter({
            name: 'requests_total',
            help: HELP,
            labelNames: LABEL_NAMES,
            registers: [new PioRegistry()],
          });
          const child = counter.labels(THREE_LABELS[0]!);
          return { op: () => child.inc(), check: () => anchorTotal(counter) };
        },
      },
    },
  ],
});
