import { describe, expect, it } from 'vitest';
import {
  BackendError,
  CollectorRegistry,
  Counter,
  DuplicateMetricError,
  ExemplarError,
  exponentialBuckets,
  Gauge,
  Histogram,
  InvalidArgumentError,
  InvalidBucketsError,
  InvalidNameError,
  InvalidValueError,
  LabelError,
  linearBuckets,
  loadBackend,
  MissingLabelsError,
  PytheusError,
  Summary,
} from './index.js';

// Every kind of bad input, the typed error it gets, and the words the message must contain.
type Case = [
  string,
  (registry: CollectorRegistry) => unknown,
  new (...args: never[]) => PytheusError,
  string,
];

const cases: Case[] = [
  [
    'metric name with a dash',
    (registry) => new Counter('my-metric', 'h', { registry }),
    InvalidNameError,
    'invalid metric name "my-metric"',
  ],
  [
    'metric name starting with a digit',
    (registry) => new Gauge('1abc', 'h', { registry }),
    InvalidNameError,
    'invalid metric name "1abc"',
  ],
  [
    'empty metric name',
    (registry) => new Gauge('', 'h', { registry }),
    InvalidNameError,
    'invalid metric name ""',
  ],
  [
    'metric name not a string',
    (registry) => new Gauge(5 as never, 'h', { registry }),
    InvalidNameError,
    'invalid metric name number 5',
  ],
  [
    'help not a string',
    (registry) => new Gauge('g', undefined as never, { registry }),
    InvalidArgumentError,
    'gauge "g": help text must be a string, got undefined',
  ],
  [
    'label name with a dot',
    (registry) => new Counter('c', 'h', { registry, requiredLabels: ['a.b'] }),
    InvalidNameError,
    'metric "c": invalid label name "a.b"',
  ],
  [
    'label name with __ prefix',
    (registry) => new Counter('c', 'h', { registry, requiredLabels: ['__x'] }),
    InvalidNameError,
    'label name "__x" is reserved',
  ],
  [
    'le on a histogram',
    (registry) => new Histogram('h', 'h', { registry, requiredLabels: ['le'] as never }),
    InvalidNameError,
    'metric "h": label name "le" is reserved',
  ],
  [
    'quantile on a summary',
    (registry) => new Summary('s', 'h', { registry, requiredLabels: ['quantile'] }),
    InvalidNameError,
    'metric "s": label name "quantile" is reserved',
  ],
  [
    'a label required twice',
    (registry) => new Counter('c', 'h', { registry, requiredLabels: ['a', 'a'] }),
    LabelError,
    'metric "c": label "a" is required twice',
  ],
  [
    'a default label that is not required',
    (registry) =>
      new Counter('c', 'h', { registry, requiredLabels: ['a'], defaultLabels: { b: 'x' } as never }),
    LabelError,
    'metric "c": default label "b" is not a required label (required: "a")',
  ],
  [
    'a default label value that is not a string',
    (registry) =>
      new Counter('c', 'h', { registry, requiredLabels: ['a'], defaultLabels: { a: 1 as never } }),
    LabelError,
    'metric "c": default label "a" must be a string, got number 1',
  ],
  [
    'an unknown label',
    (registry) => new Counter('c', 'h', { registry, requiredLabels: ['a'] }).labels({ z: '1' } as never),
    LabelError,
    'metric "c": unknown label "z" (its labels: "a")',
  ],
  [
    'a label value that is a number',
    (registry) => new Counter('c', 'h', { registry, requiredLabels: ['a'] }).labels({ a: 1 as never }),
    LabelError,
    'metric "c": label "a" must be a string, got number 1',
  ],
  [
    'a label value that is null',
    (registry) => new Counter('c', 'h', { registry, requiredLabels: ['a'] }).labels({ a: null as never }),
    LabelError,
    'label "a" must be a string, got null',
  ],
  [
    'labels() given a non-object',
    (registry) => new Counter('c', 'h', { registry, requiredLabels: ['a'] }).labels('a' as never),
    LabelError,
    'metric "c": labels() takes an object of label values, got "a"',
  ],
  [
    'labels() given null, on a metric whose defaults cover every label',
    (registry) =>
      new Counter('c', 'h', { registry, requiredLabels: ['a'], defaultLabels: { a: 'x' } }).labels(
        null as never,
      ),
    LabelError,
    'metric "c": labels() takes an object of label values, got null',
  ],
  [
    'an unknown label next to a known one, once the series exists',
    (registry) => {
      const counter = new Counter('c', 'h', { registry, requiredLabels: ['a'] });
      counter.labels({ a: 'x' }).inc();
      counter.labels({ a: 'x', b: 'y' } as never);
    },
    LabelError,
    'metric "c": unknown label "b" (its labels: "a")',
  ],
  [
    'observing before labels are set',
    (registry) => new Counter('c', 'h', { registry, requiredLabels: ['a'] }).inc(),
    MissingLabelsError,
    'metric "c": cannot observe before every label has a value; missing "a"',
  ],
  [
    'a negative counter increment',
    (registry) => new Counter('c', 'h', { registry }).inc(-1),
    InvalidValueError,
    'counter "c": increment must be a finite number >= 0, got number -1',
  ],
  [
    'an infinite counter increment',
    (registry) => new Counter('c', 'h', { registry }).inc(Number.POSITIVE_INFINITY),
    InvalidValueError,
    'got number Infinity',
  ],
  [
    'a NaN counter increment',
    (registry) => new Counter('c', 'h', { registry }).inc(Number.NaN),
    InvalidValueError,
    'got number NaN',
  ],
  [
    'a string counter increment',
    (registry) => new Counter('c', 'h', { registry }).inc('1' as never),
    InvalidValueError,
    'got "1"',
  ],
  [
    'a NaN gauge increment',
    (registry) => new Gauge('g', 'h', { registry }).inc(Number.NaN),
    InvalidValueError,
    'gauge "g": inc() takes a number that is not NaN, got number NaN',
  ],
  [
    'a gauge set to a string',
    (registry) => new Gauge('g', 'h', { registry }).set('3' as never),
    InvalidValueError,
    'gauge "g": set() takes a number, got "3"',
  ],
  [
    'a bad gauge multiprocess mode',
    (registry) => new Gauge('g', 'h', { registry, multiprocessMode: 'sum' as never }),
    InvalidArgumentError,
    'gauge "g": multiprocessMode must be "shared" or "perProcess", got "sum"',
  ],
  [
    'a NaN histogram observation',
    (registry) => new Histogram('h', 'h', { registry }).observe(Number.NaN),
    InvalidValueError,
    'histogram "h": observe() takes a number that is not NaN, got number NaN',
  ],
  [
    'a NaN summary observation',
    (registry) => new Summary('s', 'h', { registry }).observe(Number.NaN),
    InvalidValueError,
    'summary "s": observe() takes a number that is not NaN',
  ],
  [
    'unsorted buckets',
    (registry) => new Histogram('h', 'h', { registry, buckets: [1, 0.5] }),
    InvalidBucketsError,
    'histogram "h": buckets must be strictly increasing, but 0.5 follows 1',
  ],
  [
    'duplicate buckets',
    (registry) => new Histogram('h', 'h', { registry, buckets: [1, 1] }),
    InvalidBucketsError,
    'but 1 follows 1 (duplicate)',
  ],
  [
    'empty buckets',
    (registry) => new Histogram('h', 'h', { registry, buckets: [] }),
    InvalidBucketsError,
    'histogram "h": buckets must be a non-empty array of numbers',
  ],
  [
    'a NaN bucket',
    (registry) => new Histogram('h', 'h', { registry, buckets: [Number.NaN] }),
    InvalidBucketsError,
    'histogram "h": bucket number NaN is not a number',
  ],
  [
    'linear buckets with width 0',
    () => linearBuckets(0, 0, 3),
    InvalidBucketsError,
    'linearBuckets: width must be a positive number, got number 0',
  ],
  [
    'exponential buckets with factor 1',
    () => exponentialBuckets(1, 1, 3),
    InvalidBucketsError,
    'exponentialBuckets: factor must be greater than 1',
  ],
  [
    'exponential buckets with count 0',
    () => exponentialBuckets(1, 2, 0),
    InvalidBucketsError,
    'exponentialBuckets: count must be an integer from 1 to 9999',
  ],
  [
    'a unit the name does not end with',
    (registry) => new Gauge('size', 'h', { registry, unit: 'bytes' }),
    InvalidNameError,
    'metric "size": a metric with unit "bytes" must have a name ending in _bytes',
  ],
  [
    'duplicate registration',
    (registry) => {
      new Counter('dup', 'h', { registry });
      new Counter('dup', 'h', { registry });
    },
    DuplicateMetricError,
    'metric "dup": the name "dup" is taken by counter "dup"',
  ],
  [
    'an exemplar over 128 characters',
    (registry) => new Counter('c', 'h', { registry }).inc(1, { exemplar: { trace_id: 'x'.repeat(121) } }),
    ExemplarError,
    'metric "c": exemplar labels are 129 characters long',
  ],
  [
    'an exemplar label that is not a string',
    (registry) => new Histogram('h', 'h', { registry }).observe(1, { exemplar: { trace_id: 1 as never } }),
    ExemplarError,
    'metric "h": exemplar label "trace_id" must be a string, got number 1',
  ],
  [
    'a bad backend class',
    () => loadBackend({ backendClass: {} as never }),
    BackendError,
    'loadBackend: backendClass: expected a backend class, got an object',
  ],
  [
    'a bad backend config',
    () =>
      loadBackend({
        backendClass: class {
          inc() {}
          dec() {}
          set() {}
          get() {
            return 0;
          }
        },
        backendConfig: 3 as never,
      }),
    BackendError,
    'loadBackend: backendConfig: expected an object, got number 3',
  ],
];

describe('bad input gets a typed error that names what was wrong', () => {
  it.each(cases)('%s', (_title, act, errorClass, message) => {
    const registry = new CollectorRegistry();
    let thrown: unknown;
    try {
      act(registry);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(errorClass);
    expect(thrown).toBeInstanceOf(PytheusError);
    expect((thrown as Error).name).toBe(errorClass.name);
    expect((thrown as Error).message).toContain(message);
  });

  it('nothing already counted is lost when a bad call is refused', () => {
    const registry = new CollectorRegistry();
    const counter = new Counter('kept_total', 'h', { registry });
    counter.inc(5);
    expect(() => counter.inc(-1)).toThrow(InvalidValueError);
    expect(() => counter.inc(2, { exemplar: { x: 'y'.repeat(200) } })).toThrow(ExemplarError);
    const histogram = new Histogram('kept_seconds', 'h', { registry, buckets: [1] });
    histogram.observe(0.5);
    expect(() => histogram.observe(Number.NaN)).toThrow(InvalidValueError);
    return import('./index.js').then(async ({ generateMetrics }) => {
      expect(await generateMetrics(registry)).toBe(
        [
          '# HELP kept_total h',
          '# TYPE kept_total counter',
          'kept_total 5',
          '# HELP kept_seconds h',
          '# TYPE kept_seconds histogram',
          'kept_seconds_bucket{le="1.0"} 1',
          'kept_seconds_bucket{le="+Inf"} 1',
          'kept_seconds_sum 0.5',
          'kept_seconds_count 1',
          '',
        ].join('\n'),
      );
    });
  });
});
