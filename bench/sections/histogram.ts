// Each library's operation is its own function literal, written out per library although the two anchors share
// an API: closures made from one literal share V8's type feedback, which would make a call site polymorphic and
// slow down whichever library is measured second.
import { Histogram as PioHistogram, Registry as PioRegistry } from '@prometheus-io/client';
import { CollectorRegistry, Histogram } from '@pytheus/core';
import { Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';
import { anchorTotal, pytheusTotal } from '../lib/readback.js';
import { defineSection } from '../lib/section.js';
import { BUCKETS, LATENCIES, TWO_LABELS, work } from '../lib/workload.js';

const NAME = 'request_duration_seconds';
const HELP = 'Request latency';
const LABEL_NAMES = ['method', 'route'] as const;

// Each library's histogram in a registry of its own, with the same buckets.
function pytheus(labelled: boolean) {
  const registry = new CollectorRegistry();
  const histogram = new Histogram(NAME, HELP, {
    registry,
    buckets: BUCKETS,
    ...(labelled ? { requiredLabels: LABEL_NAMES } : {}),
  });
  return { histogram, check: () => pytheusTotal(registry) };
}

function promClient(labelled: boolean) {
  const histogram = new PromHistogram({
    name: NAME,
    help: HELP,
    buckets: BUCKETS,
    labelNames: labelled ? LABEL_NAMES : [],
    registers: [new PromRegistry()],
  });
  return { histogram, check: () => anchorTotal(histogram, '_count') };
}

function prometheusIo(labelled: boolean) {
  const histogram = new PioHistogram({
    name: NAME,
    help: HELP,
    buckets: BUCKETS,
    labelNames: labelled ? LABEL_NAMES : [],
    registers: [new PioRegistry()],
  });
  return { histogram, check: () => anchorTotal(histogram, '_count') };
}

export default defineSection({
  name: 'histogram',
  title: 'Histograms: observe() unlabelled, through labels() each time, on a held child; timing a function',
  cases: [
    {
      kind: 'timed',
      name: 'histogram.observe(v) unlabelled',
      setup: {
        pytheus: () => {
          const { histogram, check } = pytheus(false);
          let i = 0;
          return { op: () => histogram.observe(LATENCIES[i++ & 1023]!), check };
        },
        'prom-client': () => {
          const { histogram, check } = promClient(false);
          let i = 0;
          return { op: () => histogram.observe(LATENCIES[i++ & 1023]!), check };
        },
        '@prometheus-io/client': () => {
          const { histogram, check } = prometheusIo(false);
          let i = 0;
          return { op: () => histogram.observe(LATENCIES[i++ & 1023]!), check };
        },
      },
    },
    {
      kind: 'timed',
      name: 'labels({2 labels}).observe(v)',
      setup: {
        pytheus: () => {
          const { histogram, check } = pytheus(true);
          let i = 0;
          return { op: () => histogram.labels(TWO_LABELS[i & 15]!).observe(LATENCIES[i++ & 1023]!), check };
        },
        'prom-client': () => {
          const { histogram, check } = promClient(true);
          let i = 0;
          return { op: () => histogram.labels(TWO_LABELS[i & 15]!).observe(LATENCIES[i++ & 1023]!), check };
        },
        '@prometheus-io/client': () => {
          const { histogram, check } = prometheusIo(true);
          let i = 0;
          return { op: () => histogram.labels(TWO_LABELS[i & 15]!).observe(LATENCIES[i++ & 1023]!), check };
        },
      },
    },
    {
      kind: 'timed',
      name: 'held child observe(v) (2 labels)',
      target: 10,
      setup: {
        pytheus: () => {
          const { histogram, check } = pytheus(true);
          const child = histogram.labels(TWO_LABELS[0]!);
          let i = 0;
          return { op: () => child.observe(LATENCIES[i++ & 1023]!), check };
        },
        'prom-client': () => {
          const { histogram, check } = promClient(true);
          const child = histogram.labels(TWO_LABELS[0]!);
          let i = 0;
          return { op: () => child.observe(LATENCIES[i++ & 1023]!), check };
        },
        '@prometheus-io/client': () => {
          const { histogram, check } = prometheusIo(true);
          const child = histogram.labels(TWO_LABELS[0]!);
          let i = 0;
          return { op: () => child.observe(LATENCIES[i++ & 1023]!), check };
        },
      },
    },
    {
      // The idiom of each library: pytheus wraps the function once; the anchors start and end a timer per call.
      kind: 'timed',
      name: 'timing a sync function',
      setup: {
        pytheus: () => {
          const { histogram, check } = pytheus(false);
          const timed = histogram.timeFunction(work);
          return { op: timed, check };
        },
        'prom-client': () => {
          const { histogram, check } = promClient(false);
          return {
            op: () => {
              const end = histogram.startTimer();
              const result = work();
              end();
              return result;
            },
            check,
          };
        },
        '@prometheus-io/client': () => {
          const { histogram, check } = prometheusIo(false);
          return {
            op: () => {
              const end = histogram.startTimer();
              const result = work();
              end();
              return result;
            },
            check,
          };
        },
      },
    },
  ],
});
