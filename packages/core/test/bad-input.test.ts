// Bad input over the whole public API, in one table. Every row makes one bad call and asserts:
// - the documented error, a subclass of PytheusError, with a message that names the metric, label or option;
// - afterwards nothing changed: the values already counted, what the registry holds (no metric half-registered),
//   the loaded backend; and the registry's exposition, in both formats, is still accepted by the judges.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@pytheus/backend-memory';
import {
  BackendError,
  type BackendSample,
  CollectorError,
  CollectorRegistry,
  Counter,
  closeBackend,
  currentBackend,
  DuplicateMetricError,
  ExemplarError,
  exponentialBuckets,
  flushBackend,
  Gauge,
  generateMetrics,
  getDefaultRegistry,
  Histogram,
  InvalidArgumentError,
  InvalidBucketsError,
  InvalidNameError,
  InvalidValueError,
  LabelError,
  linearBuckets,
  loadBackend,
  type Metric,
  MissingLabelsError,
  negotiate,
  PytheusError,
  Summary,
  setDefaultRegistry,
} from '@pytheus/core';
import { metricsHandler } from '@pytheus/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Format, judge } from './judges/judges.js';

type ErrorClass = new (...args: never[]) => PytheusError;

/** The state every row starts from: a registry (the default one, too) whose metrics have counted something. */
interface Context {
  registry: CollectorRegistry;
  requests: Counter<'route' | 'method'>;
  jobs: Counter;
  temperature: Gauge<'room'>;
  latency: Histogram<'route'>;
  sizes: Summary;
}

interface Row {
  /** The call, as a reader would write it. */
  readonly call: string;
  readonly act: (ctx: Context) => unknown;
  readonly error: ErrorClass;
  /** What the message must say: it names the metric, label or option. */
  readonly message: RegExp;
  /** Checks of its own after the call (the common ones run for every row). */
  readonly after?: (ctx: Context) => void | Promise<void>;
  /** Undoes what the row set up outside the call (a collector registered, an environment variable). */
  readonly cleanup?: (ctx: Context) => void;
}

function context(): Context {
  const registry = new CollectorRegistry();
  setDefaultRegistry(registry);
  const requests = new Counter('requests_total', 'Requests.', {
    requiredLabels: ['route', 'method'],
    defaultLabels: { method: 'GET' },
  });
  requests.labels({ route: '/a' }).inc(3);
  requests.labels({ route: '/b', method: 'POST' }).inc(1.5, { exemplar: { trace_id: 'abc' } });
  const jobs = new Counter('jobs', 'Jobs.');
  jobs.inc(7);
  const temperature = new Gauge('temperature_celsius', 'Temperature.', {
    requiredLabels: ['room'],
    unit: 'celsius',
  });
  temperature.labels({ room: 'kitchen' }).set(-4.5);
  const latency = new Histogram('latency_seconds', 'Latency.', {
    requiredLabels: ['route'],
    buckets: [0.1, 1],
  });
  latency.labels({ route: '/a' }).observe(0.05);
  latency.labels({ route: '/a' }).observe(2, { exemplar: { trace_id: 'slow' } });
  const sizes = new Summary('sizes_bytes', 'Sizes.');
  sizes.observe(512);
  return { registry, requests, jobs, temperature, latency, sizes };
}

// ---- the rows -------------------------------------------------------------------------------------------------

const rows: Row[] = [];
const row = (
  call: string,
  act: Row['act'],
  error: ErrorClass,
  message: RegExp,
  extra: Pick<Row, 'after' | 'cleanup'> = {},
) => rows.push({ call, act, error, message, ...extra });

// Constructors: every metric type goes through the same checks, each with its own name in the message.
type AnyMetricClass = new (name: string, help: string, options?: never) => Metric;
const TYPES: [string, AnyMetricClass][] = [
  ['counter', Counter as unknown as AnyMetricClass],
  ['gauge', Gauge as unknown as AnyMetricClass],
  ['histogram', Histogram as unknown as AnyMetricClass],
  ['summary', Summary as unknown as AnyMetricClass],
];
const U = (value: unknown) => value as never;

for (const [type, Type] of TYPES) {
  const T = Type.name;
  const make = (name: string, ...rest: unknown[]) =>
    new Type(name, U(rest.length === 0 ? 'h' : rest[0]), U(rest[1]));
  row(`new ${T}('bad-name')`, () => make('bad-name'), InvalidNameError, /invalid metric name "bad-name"/);
  row(`new ${T}('1abc')`, () => make('1abc'), InvalidNameError, /invalid metric name "1abc"/);
  row(`new ${T}('')`, () => make(''), InvalidNameError, /invalid metric name ""/);
  row(`new ${T}(5)`, () => make(U(5)), InvalidNameError, /invalid metric name number 5/);
  row(
    `new ${T}('__internal')`,
    () => make('__internal'),
    InvalidNameError,
    /invalid metric name "__internal": names starting with "__" belong to Prometheus/,
  );
  row(
    `new ${T}('x', undefined)`,
    () => make('x_seconds', undefined),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": help text must be a string, got undefined`),
  );
  row(
    `new ${T}('x', 'lone \\uD800')`,
    () => make('x_seconds', 'lone \uD800'),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": help text has a lone UTF-16 surrogate \\(U\\+D800\\) at index 5`),
  );
  row(
    `new ${T}('x', 'h', 'options')`,
    () => make('x_seconds', 'h', 'options'),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": options must be an object, got "options"`),
  );
  row(
    `new ${T}('x', 'h', [])`,
    () => make('x_seconds', 'h', []),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": options must be an object, got an array`),
  );
  row(
    `new ${T}('x', 'h', null)`,
    () => make('x_seconds', 'h', null),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": options must be an object, got null`),
  );
  row(
    `new ${T}('x', 'h', { labelNames: ['a'] }) (prom-client)`,
    () => make('x_seconds', 'h', { labelNames: ['a'] }),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": unknown option "labelNames"; use requiredLabels`),
  );
  row(
    `new ${T}('x', 'h', { requiredLabel: ['a'] }) (typo)`,
    () => make('x_seconds', 'h', { requiredLabel: ['a'] }),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": unknown option "requiredLabel"; did you mean "requiredLabels"\\?`),
  );
  row(
    `new ${T}('x', 'h', { registers: [registry] }) (prom-client)`,
    (ctx) => make('x_seconds', 'h', { registers: [ctx.registry] }),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": unknown option "registers"; use registry`),
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: 5 })`,
    () => make('x_seconds', 'h', { requiredLabels: 5 }),
    LabelError,
    new RegExp(`${type} "x_seconds": requiredLabels must be an array of label names, got number 5`),
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: 'route' })`,
    () => make('x_seconds', 'h', { requiredLabels: 'route' }),
    LabelError,
    new RegExp(`${type} "x_seconds": requiredLabels must be an array of label names, got "route"`),
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: ['a-b'] })`,
    () => make('x_seconds', 'h', { requiredLabels: ['a-b'] }),
    InvalidNameError,
    /metric "x_seconds": invalid label name "a-b"/,
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: ['__a'] })`,
    () => make('x_seconds', 'h', { requiredLabels: ['__a'] }),
    InvalidNameError,
    /metric "x_seconds": label name "__a" is reserved/,
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: [5] })`,
    () => make('x_seconds', 'h', { requiredLabels: [5] }),
    InvalidNameError,
    /metric "x_seconds": invalid label name number 5/,
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: ['a', 'a'] })`,
    () => make('x_seconds', 'h', { requiredLabels: ['a', 'a'] }),
    LabelError,
    /metric "x_seconds": label "a" is required twice/,
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: ['a'], defaultLabels: { b: 'x' } })`,
    () => make('x_seconds', 'h', { requiredLabels: ['a'], defaultLabels: { b: 'x' } }),
    LabelError,
    /metric "x_seconds": default label "b" is not a required label \(required: "a"\)/,
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: ['a'], defaultLabels: { a: 1 } })`,
    () => make('x_seconds', 'h', { requiredLabels: ['a'], defaultLabels: { a: 1 } }),
    LabelError,
    /metric "x_seconds": default label "a" must be a string, got number 1/,
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: ['a'], defaultLabels: { a: '\\uDC00' } })`,
    () => make('x_seconds', 'h', { requiredLabels: ['a'], defaultLabels: { a: '\uDC00' } }),
    LabelError,
    /metric "x_seconds": default label "a" has a lone UTF-16 surrogate \(U\+DC00\) at index 0/,
  );
  row(
    `new ${T}('x', 'h', { requiredLabels: ['a'], defaultLabels: ['x'] })`,
    () => make('x_seconds', 'h', { requiredLabels: ['a'], defaultLabels: ['x'] }),
    LabelError,
    /metric "x_seconds": defaultLabels must be an object of label values, got an array/,
  );
  row(
    `new ${T}('x', 'h', { registry: 'shop' })`,
    () => make('x_seconds', 'h', { registry: 'shop' }),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": registry must be a CollectorRegistry or null, got "shop"`),
  );
  row(
    `new ${T}('x', 'h', { registry: {} })`,
    () => make('x_seconds', 'h', { registry: {} }),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": registry must be a CollectorRegistry or null, got an object`),
  );
  row(
    `new ${T}('size', 'h', { unit: 'bytes' })`,
    () => make('size', 'h', { unit: 'bytes' }),
    InvalidNameError,
    /metric "size": a metric with unit "bytes" must have a name ending in _bytes/,
  );
  row(
    `new ${T}('x_seconds', 'h', { unit: 'sec onds' })`,
    () => make('x_seconds', 'h', { unit: 'sec onds' }),
    InvalidNameError,
    /metric "x_seconds": invalid unit "sec onds"/,
  );
  row(
    `new ${T}('x', 'h', { maxSeries: 0 })`,
    () => make('x_seconds', 'h', { maxSeries: 0 }),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": maxSeries must be an integer of at least 1 .*, got number 0`),
  );
  row(
    `new ${T}('x', 'h', { maxSeries: '100' })`,
    () => make('x_seconds', 'h', { maxSeries: '100' }),
    InvalidArgumentError,
    new RegExp(`${type} "x_seconds": maxSeries must be an integer of at least 1 .*, got "100"`),
  );
  row(
    `new ${T}('requests_total') (taken)`,
    () => make('requests_total'),
    DuplicateMetricError,
    /metric "requests_total": the name "requests_total" is taken by counter "requests_total"/,
  );
  row(
    `new ${T}('requests_created') (OpenMetrics' _created of the counter)`,
    () => make('requests_created'),
    DuplicateMetricError,
    /metric "requests_created": the name "requests_created" is taken by counter "requests_total"/,
  );
  row(
    `new ${T}('latency_seconds_bucket') (a histogram's sample)`,
    () => make('latency_seconds_bucket'),
    DuplicateMetricError,
    /the name "latency_seconds_bucket" is taken by histogram "latency_seconds"/,
  );
  row(
    `new ${T}('pytheus_series_refused_total') (reserved)`,
    () => make('pytheus_series_refused_total'),
    DuplicateMetricError,
    /the name "pytheus_series_refused_total" is reserved for the counter of label sets refused/,
  );
}

// Options of one metric type only.
row(
  "new Counter('x_total', 'h', { buckets: [1] })",
  () => new Counter('x_total', 'h', U({ buckets: [1] })),
  InvalidArgumentError,
  /counter "x_total": unknown option "buckets": only histograms take buckets/,
);
row(
  "new Gauge('x', 'h', { buckets: [1] })",
  () => new Gauge('x', 'h', U({ buckets: [1] })),
  InvalidArgumentError,
  /gauge "x": unknown option "buckets": only histograms take buckets/,
);
row(
  "new Summary('x', 'h', { buckets: [1] })",
  () => new Summary('x', 'h', U({ buckets: [1] })),
  InvalidArgumentError,
  /summary "x": unknown option "buckets": only histograms take buckets/,
);
row(
  "new Summary('x', 'h', { percentiles: [0.5] }) (prom-client)",
  () => new Summary('x', 'h', U({ percentiles: [0.5] })),
  InvalidArgumentError,
  /summary "x": unknown option "percentiles"; use a Histogram: a Summary here keeps its sum and count only/,
);
row(
  "new Summary('x', 'h', { maxAgeSeconds: 60 }) (prom-client)",
  () => new Summary('x', 'h', U({ maxAgeSeconds: 60 })),
  InvalidArgumentError,
  /summary "x": unknown option "maxAgeSeconds"/,
);
row(
  "new Counter('x', 'h', { enableExemplars: true }) (prom-client)",
  () => new Counter('x', 'h', U({ enableExemplars: true })),
  InvalidArgumentError,
  /counter "x": unknown option "enableExemplars"; use nothing: counters and histograms always take exemplars/,
);
row(
  "new Gauge('x', 'h', { aggregator: 'sum' }) (prom-client)",
  () => new Gauge('x', 'h', U({ aggregator: 'sum' })),
  InvalidArgumentError,
  /gauge "x": unknown option "aggregator"; use multiprocessMode/,
);
row(
  "new Gauge('x', 'h', { collect() {} }) (prom-client)",
  () => new Gauge('x', 'h', U({ collect() {} })),
  InvalidArgumentError,
  /gauge "x": unknown option "collect"; use a custom collector/,
);
row(
  "new Counter('x', 'h', { required_labels: ['a'] }) (Python's pytheus)",
  () => new Counter('x', 'h', U({ required_labels: ['a'] })),
  InvalidArgumentError,
  /counter "x": unknown option "required_labels"; use requiredLabels/,
);
row(
  "new Gauge('x', 'h', { multiprocessMode: 'sum' })",
  () => new Gauge('x', 'h', { multiprocessMode: U('sum') }),
  InvalidArgumentError,
  /gauge "x": multiprocessMode must be "shared" or "perProcess", got "sum"/,
);
row(
  "new Histogram('x', 'h', { bukets: [1] }) (typo)",
  () => new Histogram('x', 'h', U({ bukets: [1] })),
  InvalidArgumentError,
  /histogram "x": unknown option "bukets"; did you mean "buckets"\?/,
);
row(
  "new Histogram('x', 'h', { buckets: 5 })",
  () => new Histogram('x', 'h', { buckets: U(5) }),
  InvalidBucketsError,
  /histogram "x": buckets must be a non-empty array of numbers, got number 5/,
);
row(
  "new Histogram('x', 'h', { buckets: [] })",
  () => new Histogram('x', 'h', { buckets: [] }),
  InvalidBucketsError,
  /histogram "x": buckets must be a non-empty array of numbers, got an array/,
);
row(
  "new Histogram('x', 'h', { buckets: [NaN] })",
  () => new Histogram('x', 'h', { buckets: [Number.NaN] }),
  InvalidBucketsError,
  /histogram "x": bucket number NaN is not a number/,
);
row(
  "new Histogram('x', 'h', { buckets: ['1'] })",
  () => new Histogram('x', 'h', { buckets: U(['1']) }),
  InvalidBucketsError,
  /histogram "x": bucket "1" is not a number/,
);
row(
  "new Histogram('x', 'h', { buckets: [1, 0.5] })",
  () => new Histogram('x', 'h', { buckets: [1, 0.5] }),
  InvalidBucketsError,
  /histogram "x": buckets must be strictly increasing, but 0.5 follows 1/,
);
row(
  "new Histogram('x', 'h', { buckets: [1, 1] })",
  () => new Histogram('x', 'h', { buckets: [1, 1] }),
  InvalidBucketsError,
  /histogram "x": buckets must be strictly increasing, but 1 follows 1 \(duplicate\)/,
);
row(
  "new Histogram('x', 'h', { buckets: [-0, 0] })",
  () => new Histogram('x', 'h', { buckets: [-0, 0] }),
  InvalidBucketsError,
  /histogram "x": buckets must be strictly increasing, but 0 follows 0/,
);
row(
  "new Histogram('x', 'h', { buckets: 10,001 bounds })",
  () => new Histogram('x', 'h', { buckets: Array.from({ length: 10_001 }, (_, i) => i) }),
  InvalidBucketsError,
  /histogram "x": 10001 buckets are too many \(at most 10000, \+Inf included\)/,
);
row(
  "new Histogram('x', 'h', { requiredLabels: ['le'] })",
  () => new Histogram('x', 'h', { requiredLabels: U(['le']) }),
  InvalidNameError,
  /metric "x": label name "le" is reserved for this metric type's own samples/,
);
row(
  "new Summary('x', 'h', { requiredLabels: ['quantile'] })",
  () => new Summary('x', 'h', { requiredLabels: ['quantile'] }),
  InvalidNameError,
  /metric "x": label name "quantile" is reserved for this metric type's own samples/,
);

// labels(): the slow path validates, whatever the fast path would have found.
row(
  "requests.labels('a')",
  (c) => c.requests.labels(U('a')),
  LabelError,
  /metric "requests_total": labels\(\) takes an object of label values, got "a"/,
);
row(
  'requests.labels(null)',
  (c) => c.requests.labels(U(null)),
  LabelError,
  /metric "requests_total": labels\(\) takes an object of label values, got null/,
);
row(
  'labels(null) on a metric whose defaults cover every label (the fast path)',
  () =>
    new Counter('defaulted_total', 'h', {
      registry: null,
      requiredLabels: ['a'],
      defaultLabels: { a: 'x' },
    }).labels(U(null)),
  LabelError,
  /metric "defaulted_total": labels\(\) takes an object of label values, got null/,
);
row(
  'requests.labels([])',
  (c) => c.requests.labels(U([])),
  LabelError,
  /metric "requests_total": labels\(\) takes an object of label values, got an array/,
);
row(
  "requests.labels({ path: '/' })",
  (c) => c.requests.labels(U({ path: '/' })),
  LabelError,
  /metric "requests_total": unknown label "path" \(its labels: "route", "method"\)/,
);
row(
  "requests.labels({ route: '/a', path: '/' }) (series exists)",
  (c) => c.requests.labels(U({ route: '/a', path: '/' })),
  LabelError,
  /metric "requests_total": unknown label "path"/,
);
row(
  'requests.labels({ route: 5 })',
  (c) => c.requests.labels({ route: U(5) }),
  LabelError,
  /metric "requests_total": label "route" must be a string, got number 5/,
);
row(
  'requests.labels({ route: null })',
  (c) => c.requests.labels({ route: U(null) }),
  LabelError,
  /metric "requests_total": label "route" must be a string, got null/,
);
row(
  'requests.labels({ route: undefined })',
  (c) => c.requests.labels({ route: undefined }),
  LabelError,
  /metric "requests_total": label "route" must be a string, got undefined/,
);
row(
  'requests.labels({ route: {} })',
  (c) => c.requests.labels({ route: U({}) }),
  LabelError,
  /metric "requests_total": label "route" must be a string, got an object/,
);
row(
  "requests.labels({ route: '\\uD800' })",
  (c) => c.requests.labels({ route: '\uD800' }),
  LabelError,
  /metric "requests_total": label "route" has a lone UTF-16 surrogate \(U\+D800\) at index 0/,
);
row(
  "requests.labels({ route: '\\uDC00' })",
  (c) => c.requests.labels({ route: '\uDC00' }),
  LabelError,
  /metric "requests_total": label "route" has a lone UTF-16 surrogate \(U\+DC00\)/,
);
row(
  "requests.labels({ route: 'a\\uDBFFb' })",
  (c) => c.requests.labels({ route: 'a\uDBFFb' }),
  LabelError,
  /label "route" has a lone UTF-16 surrogate \(U\+DBFF\) at index 1/,
);
row(
  "requests.labels({ route: '/a', method: '\\uDFFF' }) (first label exists)",
  (c) => c.requests.labels({ route: '/a', method: '\uDFFF' }),
  LabelError,
  /label "method" has a lone UTF-16 surrogate/,
);
row(
  "jobs.labels({ a: 'x' }) (no labels)",
  (c) => c.jobs.labels(U({ a: 'x' })),
  LabelError,
  /metric "jobs": unknown label "a" \(its labels: none\)/,
);
row(
  "requests.labels({ method: 'GET' }).labels({ route: 1 })",
  (c) => c.requests.labels({ method: 'GET' }).labels({ route: U(1) }),
  LabelError,
  /metric "requests_total": label "route" must be a string, got number 1/,
);

// Values.
row(
  'jobs.inc(-1)',
  (c) => c.jobs.inc(-1),
  InvalidValueError,
  /counter "jobs": increment must be a finite number >= 0, got number -1/,
);
row(
  'jobs.inc(NaN)',
  (c) => c.jobs.inc(Number.NaN),
  InvalidValueError,
  /counter "jobs": increment .* got number NaN/,
);
row(
  'jobs.inc(Infinity)',
  (c) => c.jobs.inc(Number.POSITIVE_INFINITY),
  InvalidValueError,
  /counter "jobs": .* got number Infinity/,
);
row(
  'jobs.inc(-Infinity)',
  (c) => c.jobs.inc(Number.NEGATIVE_INFINITY),
  InvalidValueError,
  /counter "jobs": .* got number -Infinity/,
);
row("jobs.inc('1')", (c) => c.jobs.inc(U('1')), InvalidValueError, /counter "jobs": .* got "1"/);
row('jobs.inc(null)', (c) => c.jobs.inc(U(null)), InvalidValueError, /counter "jobs": .* got null/);
row('jobs.inc(1n)', (c) => c.jobs.inc(U(1n)), InvalidValueError, /counter "jobs": .* got bigint 1/);
row(
  'jobs.inc(1, null)',
  (c) => c.jobs.inc(1, U(null)),
  ExemplarError,
  /counter "jobs": inc\(\): options must be an object, got null/,
);
row(
  "jobs.inc(1, 'trace')",
  (c) => c.jobs.inc(1, U('trace')),
  ExemplarError,
  /counter "jobs": inc\(\): options must be an object, got "trace"/,
);
row(
  'jobs.inc(1, { exemplr: {} }) (typo)',
  (c) => c.jobs.inc(1, U({ exemplr: {} })),
  ExemplarError,
  /counter "jobs": inc\(\): unknown option "exemplr"; did you mean "exemplar"\?/,
);
row(
  'jobs.inc(1, { timestamp: 1 })',
  (c) => c.jobs.inc(1, U({ timestamp: 1 })),
  ExemplarError,
  /counter "jobs": inc\(\): unknown option "timestamp"; use exemplarTimestamp/,
);
row(
  'requests.inc() (labels missing)',
  (c) => c.requests.inc(),
  MissingLabelsError,
  /metric "requests_total": cannot observe before every label has a value; missing "route"/,
);
row(
  'temperature.inc(NaN)',
  (c) => c.temperature.labels({ room: 'kitchen' }).inc(Number.NaN),
  InvalidValueError,
  /gauge "temperature_celsius": inc\(\) takes a number that is not NaN, got number NaN/,
);
row(
  "temperature.dec('1')",
  (c) => c.temperature.labels({ room: 'kitchen' }).dec(U('1')),
  InvalidValueError,
  /gauge "temperature_celsius": dec\(\) takes a number that is not NaN, got "1"/,
);
row(
  "temperature.set('3')",
  (c) => c.temperature.labels({ room: 'kitchen' }).set(U('3')),
  InvalidValueError,
  /gauge "temperature_celsius": set\(\) takes a number, got "3"/,
);
row(
  'temperature.set(undefined)',
  (c) => c.temperature.labels({ room: 'kitchen' }).set(U(undefined)),
  InvalidValueError,
  /gauge "temperature_celsius": set\(\) takes a number, got undefined/,
);
row(
  'temperature.inc(1, { exemplar }) (gauges have none)',
  (c) => c.temperature.labels({ room: 'kitchen' }).inc(1, U({ exemplar: { trace_id: 'x' } })),
  InvalidArgumentError,
  /gauge "temperature_celsius": inc\(\) takes one argument, got a second one \(an object\): only counters and histograms take exemplars/,
);
row(
  'temperature.set(1, { exemplar })',
  (c) => c.temperature.labels({ room: 'kitchen' }).set(1, U({ exemplar: {} })),
  InvalidArgumentError,
  /gauge "temperature_celsius": set\(\) takes one argument, got a second one/,
);
row(
  'temperature.dec(1, 2)',
  (c) => c.temperature.labels({ room: 'kitchen' }).dec(1, U(2)),
  InvalidArgumentError,
  /gauge "temperature_celsius": dec\(\) takes one argument, got a second one \(number 2\)/,
);
row(
  'temperature.set(1) (labels missing)',
  (c) => c.temperature.set(1),
  MissingLabelsError,
  /metric "temperature_celsius": cannot observe before every label has a value; missing "room"/,
);
row(
  'latency.observe(NaN)',
  (c) => c.latency.labels({ route: '/a' }).observe(Number.NaN),
  InvalidValueError,
  /histogram "latency_seconds": observe\(\) takes a number that is not NaN, got number NaN/,
);
row(
  "latency.observe('0.2')",
  (c) => c.latency.labels({ route: '/a' }).observe(U('0.2')),
  InvalidValueError,
  /histogram "latency_seconds": observe\(\) takes a number that is not NaN, got "0.2"/,
);
row(
  'latency.observe(0.2, null)',
  (c) => c.latency.labels({ route: '/a' }).observe(0.2, U(null)),
  ExemplarError,
  /histogram "latency_seconds": observe\(\): options must be an object, got null/,
);
row(
  "latency.observe(0.2, { exemplar: 'abc' })",
  (c) => c.latency.labels({ route: '/a' }).observe(0.2, { exemplar: U('abc') }),
  ExemplarError,
  /metric "latency_seconds": exemplar must be an object of labels, got "abc"/,
);
row(
  'latency.observe(0.2, { exemplarTimestamp: 1 }) (no exemplar)',
  (c) => c.latency.labels({ route: '/a' }).observe(0.2, { exemplarTimestamp: 1 }),
  ExemplarError,
  /metric "latency_seconds": exemplarTimestamp was given without an exemplar/,
);
row(
  'latency.observe(1) (labels missing)',
  (c) => c.latency.observe(1),
  MissingLabelsError,
  /metric "latency_seconds": .* missing "route"/,
);
row(
  'sizes.observe(NaN)',
  (c) => c.sizes.observe(Number.NaN),
  InvalidValueError,
  /summary "sizes_bytes": observe\(\) takes a number that is not NaN, got number NaN/,
);
row(
  'sizes.observe(1, { exemplar }) (summaries have none)',
  (c) => c.sizes.observe(1, U({ exemplar: { trace_id: 'x' } })),
  InvalidArgumentError,
  /summary "sizes_bytes": observe\(\) takes one argument, got a second one \(an object\): only counters and histograms take exemplars/,
);

// Exemplars.
const ex = (c: Context, exemplar: unknown, more: object = {}) => c.jobs.inc(1, U({ exemplar, ...more }));
row(
  "jobs.inc(1, { exemplar: { 'trace-id': 'x' } })",
  (c) => ex(c, { 'trace-id': 'x' }),
  ExemplarError,
  /metric "jobs": invalid exemplar label name "trace-id"/,
);
row(
  "jobs.inc(1, { exemplar: { __trace: 'x' } })",
  (c) => ex(c, { __trace: 'x' }),
  ExemplarError,
  /metric "jobs": invalid exemplar label name "__trace" \(names starting with "__" belong to Prometheus\)/,
);
row(
  'jobs.inc(1, { exemplar: { trace_id: 1 } })',
  (c) => ex(c, { trace_id: 1 }),
  ExemplarError,
  /metric "jobs": exemplar label "trace_id" must be a string, got number 1/,
);
row(
  "jobs.inc(1, { exemplar: { trace_id: '\\uD800' } })",
  (c) => ex(c, { trace_id: '\uD800' }),
  ExemplarError,
  /metric "jobs": exemplar label "trace_id" has a lone UTF-16 surrogate \(U\+D800\)/,
);
row(
  "jobs.inc(1, { exemplar: { trace_id: 'a\\0b' } })",
  (c) => ex(c, { trace_id: 'a\0b' }),
  ExemplarError,
  /metric "jobs": exemplar label "trace_id" has a NUL character at index 1, which Prometheus refuses/,
);
row(
  'jobs.inc(1, { exemplar: { trace_id: \'say "hi"\' } })',
  (c) => ex(c, { trace_id: 'say "hi"' }),
  ExemplarError,
  /metric "jobs": exemplar label "trace_id" has "\\"" at index 4, which scrapers misread in exemplars/,
);
row(
  "jobs.inc(1, { exemplar: { trace_id: 'a\\\\b' } })",
  (c) => ex(c, { trace_id: 'a\\b' }),
  ExemplarError,
  /metric "jobs": exemplar label "trace_id" has "\\\\" at index 1, which scrapers misread in exemplars/,
);
row(
  "jobs.inc(1, { exemplar: { trace_id: 'a\\nb' } })",
  (c) => ex(c, { trace_id: 'a\nb' }),
  ExemplarError,
  /metric "jobs": exemplar label "trace_id" has "\\n" at index 1/,
);
row(
  "jobs.inc(1, { exemplar: { trace_id: 'a}b' } })",
  (c) => ex(c, { trace_id: 'a}b' }),
  ExemplarError,
  /metric "jobs": exemplar label "trace_id" has "}" at index 1, which scrapers misread in exemplars: exemplar values may not contain NUL, ", \\, a line feed or }/,
);
row(
  'jobs.inc(1, { exemplar: 129 characters })',
  (c) => ex(c, { trace_id: 'x'.repeat(121) }),
  ExemplarError,
  /metric "jobs": exemplar labels are 129 characters long .* at most 128/,
);
row(
  "jobs.inc(1, { exemplar: ['x'] })",
  (c) => ex(c, ['x']),
  ExemplarError,
  /metric "jobs": exemplar must be an object of labels, got an array/,
);
row(
  'jobs.inc(1, { exemplar: null })',
  (c) => ex(c, null),
  ExemplarError,
  /metric "jobs": exemplar must be an object of labels, got null/,
);
row(
  'jobs.inc(1, { exemplar, exemplarTimestamp: NaN })',
  (c) => ex(c, { t: 'x' }, { exemplarTimestamp: Number.NaN }),
  ExemplarError,
  /metric "jobs": exemplar timestamp must be a number of seconds since the epoch, from 0 to 1e15, got number NaN/,
);
row(
  "jobs.inc(1, { exemplar, exemplarTimestamp: '1' })",
  (c) => ex(c, { t: 'x' }, { exemplarTimestamp: '1' }),
  ExemplarError,
  /metric "jobs": exemplar timestamp must be a number of seconds since the epoch, from 0 to 1e15, got "1"/,
);
row(
  'jobs.inc(1, { exemplar, exemplarTimestamp: -0.5 })',
  (c) => ex(c, { t: 'x' }, { exemplarTimestamp: -0.5 }),
  ExemplarError,
  /metric "jobs": exemplar timestamp must be a number of seconds since the epoch, from 0 to 1e15, got number -0.5/,
);
row(
  'jobs.inc(1, { exemplar, exemplarTimestamp: 1e16 })',
  (c) => ex(c, { t: 'x' }, { exemplarTimestamp: 1e16 }),
  ExemplarError,
  /metric "jobs": exemplar timestamp must be a number of seconds since the epoch, from 0 to 1e15, got number 10000000000000000/,
);
row(
  "latency.observe(1, { exemplar: { 'a b': 'x' } })",
  (c) => c.latency.labels({ route: '/a' }).observe(1, { exemplar: { 'a b': 'x' } }),
  ExemplarError,
  /metric "latency_seconds": invalid exemplar label name "a b"/,
);
row(
  "latency.observe(1, { exemplar: { t: 'a\\0' } })",
  (c) => c.latency.labels({ route: '/a' }).observe(1, { exemplar: { t: 'a\0' } }),
  ExemplarError,
  /metric "latency_seconds": exemplar label "t" has a NUL character/,
);

// Timing and error counting: bad arguments are refused before anything runs or counts.
let ran = false;
const body = () => {
  ran = true;
  throw new RangeError('the body failed');
};
const notRun = {
  after: () => expect(ran).toBe(false),
  cleanup: () => {
    ran = false;
  },
};
row(
  "jobs.countExceptions('notAFunction')",
  (c) => c.jobs.countExceptions(U('notAFunction')),
  InvalidArgumentError,
  /counter "jobs": countExceptions\(\) takes a function, got "notAFunction"/,
);
row(
  "jobs.countExceptions(body, ['Error'])",
  (c) => c.jobs.countExceptions(body, U(['Error'])),
  InvalidArgumentError,
  /counter "jobs": countExceptions\(\): errors\[0\] must be an error class such as TypeError, got "Error"/,
  notRun,
);
row(
  "jobs.countExceptions(body, 'Error')",
  (c) => c.jobs.countExceptions(body, U('Error')),
  InvalidArgumentError,
  /counter "jobs": countExceptions\(\): errors must be an array of error classes, got "Error"/,
  notRun,
);
row(
  'jobs.countExceptionsFunction(5)',
  (c) => c.jobs.countExceptionsFunction(U(5)),
  InvalidArgumentError,
  /counter "jobs": countExceptionsFunction\(\) takes a function, got number 5/,
);
row(
  'jobs.countExceptionsFunction(body, [null])',
  (c) => c.jobs.countExceptionsFunction(body, U([null])),
  InvalidArgumentError,
  /counter "jobs": countExceptionsFunction\(\): errors\[0\] must be an error class/,
  notRun,
);
row(
  'jobs.countExceptionsMethod([{}])',
  (c) => c.jobs.countExceptionsMethod(U([{}])),
  InvalidArgumentError,
  /counter "jobs": countExceptionsMethod\(\): errors\[0\] must be an error class/,
);
row(
  'requests.countExceptions(body) (labels missing)',
  (c) => c.requests.countExceptions(body),
  MissingLabelsError,
  /metric "requests_total": cannot observe before every label has a value/,
  notRun,
);
row(
  "latency.labels(...).timeFunction('x')",
  (c) => c.latency.labels({ route: '/a' }).timeFunction(U('x')),
  InvalidArgumentError,
  /a function to wrap takes a function, got "x"/,
);
row(
  'temperature.labels(...).trackInprogressFunction(null)',
  (c) => c.temperature.labels({ room: 'kitchen' }).trackInprogressFunction(U(null)),
  InvalidArgumentError,
  /takes a function, got null/,
);
row(
  'latency.labels(...).timeMethod() on a field',
  (c) => U(c.latency.labels({ route: '/a' }).timeMethod())(undefined, { kind: 'field', name: 'x' }),
  InvalidArgumentError,
  /pytheus decorators apply to class methods only .*, got a field/,
);
row(
  'jobs.countExceptionsMethod() with experimentalDecorators',
  (c) => U(c.jobs.countExceptionsMethod())({}, 'run', {}),
  InvalidArgumentError,
  /pytheus decorators apply to class methods only \(TC39 decorators; not TypeScript's experimentalDecorators\), got "run"/,
);
row(
  'latency.time() (labels missing)',
  (c) => c.latency.time(),
  MissingLabelsError,
  /metric "latency_seconds": .* missing "route"/,
);

// Bucket helpers.
row(
  'linearBuckets(0, 1, 2 ** 32)',
  () => linearBuckets(0, 1, 2 ** 32),
  InvalidBucketsError,
  /linearBuckets: count must be an integer from 1 to 9999 .*, got number 4294967296/,
);
row(
  'linearBuckets(0, 0, 3)',
  () => linearBuckets(0, 0, 3),
  InvalidBucketsError,
  /linearBuckets: width must be a positive number, got number 0/,
);
row(
  'linearBuckets(0, -1, 3)',
  () => linearBuckets(0, -1, 3),
  InvalidBucketsError,
  /linearBuckets: width must be a positive number, got number -1/,
);
row(
  'linearBuckets(NaN, 1, 3)',
  () => linearBuckets(Number.NaN, 1, 3),
  InvalidBucketsError,
  /linearBuckets: start must be finite, got number NaN/,
);
row(
  "linearBuckets('0', 1, 3)",
  () => linearBuckets(U('0'), 1, 3),
  InvalidBucketsError,
  /linearBuckets: start must be finite, got "0"/,
);
row(
  'linearBuckets(0, 1, 1.5)',
  () => linearBuckets(0, 1, 1.5),
  InvalidBucketsError,
  /linearBuckets: count must be an integer .*, got number 1.5/,
);
row(
  'linearBuckets(1e20, 1, 3) (precision)',
  () => linearBuckets(1e20, 1, 3),
  InvalidBucketsError,
  /linearBuckets: buckets 0 and 1 would both be 100000000000000000000 \(floating-point precision\)/,
);
row(
  'linearBuckets(1e308, 1e308, 3) (overflow)',
  () => linearBuckets(1e308, 1e308, 3),
  InvalidBucketsError,
  /linearBuckets: bucket 1 would be Infinity/,
);
row(
  'exponentialBuckets(1, 1, 3)',
  () => exponentialBuckets(1, 1, 3),
  InvalidBucketsError,
  /exponentialBuckets: factor must be greater than 1, got number 1/,
);
row(
  'exponentialBuckets(0, 2, 3)',
  () => exponentialBuckets(0, 2, 3),
  InvalidBucketsError,
  /exponentialBuckets: start must be a positive number, got number 0/,
);
row(
  'exponentialBuckets(1, 2, 0)',
  () => exponentialBuckets(1, 2, 0),
  InvalidBucketsError,
  /exponentialBuckets: count must be an integer from 1 to 9999 .*, got number 0/,
);
row(
  'exponentialBuckets(1, 10, 400) (overflow)',
  () => exponentialBuckets(1, 10, 400),
  InvalidBucketsError,
  /exponentialBuckets: bucket 309 would be Infinity/,
);
row(
  'exponentialBuckets(1, 2, 2 ** 32)',
  () => exponentialBuckets(1, 2, 2 ** 32),
  InvalidBucketsError,
  /exponentialBuckets: count must be an integer/,
);

// Registries.
row(
  'new CollectorRegistry(null)',
  () => new CollectorRegistry(U(null)),
  InvalidArgumentError,
  /CollectorRegistry: options must be an object, got null/,
);
row(
  "new CollectorRegistry('shop')",
  () => new CollectorRegistry(U('shop')),
  InvalidArgumentError,
  /CollectorRegistry: options must be an object, got "shop"; for a prefix, new CollectorRegistry\(\{ prefix: "shop" \}\)/,
);
row(
  'new CollectorRegistry(5)',
  () => new CollectorRegistry(U(5)),
  InvalidArgumentError,
  /CollectorRegistry: options must be an object, got number 5/,
);
row(
  'new CollectorRegistry([])',
  () => new CollectorRegistry(U([])),
  InvalidArgumentError,
  /CollectorRegistry: options must be an object, got an array/,
);
row(
  "new CollectorRegistry({ prefx: 'shop' }) (typo)",
  () => new CollectorRegistry(U({ prefx: 'shop' })),
  InvalidArgumentError,
  /CollectorRegistry: unknown option "prefx"; did you mean "prefix"\?/,
);
row(
  'new CollectorRegistry({ defaultLabels: {} })',
  () => new CollectorRegistry(U({ defaultLabels: {} })),
  InvalidArgumentError,
  /CollectorRegistry: unknown option "defaultLabels" \(options: prefix, maxSeries, onSeriesLimit\)/,
);
row(
  "new CollectorRegistry({ prefix: 'my-app' })",
  () => new CollectorRegistry({ prefix: 'my-app' }),
  InvalidNameError,
  /invalid registry prefix "my-app"/,
);
row(
  "new CollectorRegistry({ prefix: '__app' })",
  () => new CollectorRegistry({ prefix: '__app' }),
  InvalidNameError,
  /invalid registry prefix "__app": names starting with "__" belong to Prometheus/,
);
row(
  'new CollectorRegistry({ prefix: 5 })',
  () => new CollectorRegistry({ prefix: U(5) }),
  InvalidNameError,
  /invalid registry prefix number 5/,
);
row(
  'new CollectorRegistry({ maxSeries: -1 })',
  () => new CollectorRegistry({ maxSeries: -1 }),
  InvalidArgumentError,
  /CollectorRegistry: maxSeries must be an integer of at least 1 .*, got number -1/,
);
row(
  "new CollectorRegistry({ onSeriesLimit: 'warn' })",
  () => new CollectorRegistry({ onSeriesLimit: U('warn') }),
  InvalidArgumentError,
  /CollectorRegistry: onSeriesLimit must be a function, got "warn"/,
);
row(
  'registry.register(42)',
  (c) => c.registry.register(U(42)),
  InvalidArgumentError,
  /register\(\) takes a metric or a collector with a collect\(\) method, got number 42/,
);
row(
  'registry.register({})',
  (c) => c.registry.register(U({})),
  InvalidArgumentError,
  /register\(\) takes a metric or a collector with a collect\(\) method, got an object/,
);
row(
  'registry.register(jobs) (twice)',
  (c) => c.registry.register(c.jobs),
  DuplicateMetricError,
  /metric "jobs" is already registered/,
);
row(
  "registry.register({ describe: () => ['jobs'], collect })",
  (c) => c.registry.register({ describe: () => ['jobs'], collect: () => [] }),
  DuplicateMetricError,
  /collector Object: metric "jobs" is already registered \(metric "jobs"\)/,
);
row(
  "registry.register({ describe: () => ['bad-name'], collect })",
  (c) => c.registry.register({ describe: () => ['bad-name'], collect: () => [] }),
  InvalidNameError,
  /invalid name described by collector Object "bad-name"/,
);
row(
  'registry.register({ describe() { throw }, collect })',
  (c) =>
    c.registry.register({
      describe() {
        throw new Error('not ready');
      },
      collect: () => [],
    }),
  CollectorError,
  /collector Object: describe\(\) failed: not ready/,
);
row(
  'setDefaultRegistry({})',
  () => setDefaultRegistry(U({})),
  InvalidArgumentError,
  /setDefaultRegistry\(\) takes a CollectorRegistry, got an object/,
);

// Collectors, at the scrape: every scrape fails alike, and once the collector is gone the exposition is back.
const withCollector = (collect: () => unknown, name = 'Object') => {
  let registered: object | undefined;
  return {
    act: (c: Context) => {
      registered =
        name === 'Object' ? { collect } : Object.assign(new (class QueueCollector {})(), { collect });
      c.registry.register(U(registered));
      return Promise.all([generateMetrics(c.registry), generateMetrics(c.registry)]);
    },
    cleanup: (c: Context) => {
      c.registry.unregister(U(registered));
    },
  };
};
const collectorRow = (
  call: string,
  collect: () => unknown,
  error: ErrorClass,
  message: RegExp,
  name?: string,
) => {
  const { act, cleanup } = withCollector(collect, name);
  row(call, act, error, message, { cleanup });
};
collectorRow(
  'collect() { throw }',
  () => {
    throw new TypeError('queue is undefined');
  },
  CollectorError,
  /collector Object: collect\(\) failed: queue is undefined/,
);
collectorRow(
  'async collect() rejects',
  async () => {
    throw new Error('queue unreachable');
  },
  CollectorError,
  /collector Object: collect\(\) failed: queue unreachable/,
);
collectorRow(
  'collect() returns 5',
  () => 5,
  CollectorError,
  /collector Object: collect\(\) returned number 5, not metrics/,
);
collectorRow(
  'collect() returns undefined',
  () => undefined,
  CollectorError,
  /collector Object: collect\(\) returned undefined, not metrics/,
);
collectorRow(
  'collect() yields 42',
  () => [42],
  CollectorError,
  /collector Object yielded number 42 instead of a metric/,
);
collectorRow(
  'collect() yields a metric created in a registry (registry: null forgotten)',
  () => [new Gauge('queue_depth', 'g', { registry: new CollectorRegistry() })],
  CollectorError,
  /collector QueueCollector yielded metric "queue_depth", which was created in a registry: a collector's metrics must be created with \{ registry: null \}/,
  'QueueCollector',
);
collectorRow(
  "collect() yields 'jobs', a registered name",
  () => [new Counter('jobs', 'c', { registry: null })],
  DuplicateMetricError,
  /collector Object yielded counter "jobs", but the name "jobs" is taken by counter "jobs" \(registered\)/,
);
collectorRow(
  "collect() yields 'jobs_created', a name the counter 'jobs' implies",
  () => [new Gauge('jobs_created', 'g', { registry: null })],
  DuplicateMetricError,
  /collector Object yielded gauge "jobs_created", but the name "jobs_created" is taken by counter "jobs" \(registered\)/,
);
collectorRow(
  'collect() yields one name twice',
  () => [new Gauge('depth', 'g', { registry: null }), new Gauge('depth', 'g', { registry: null })],
  DuplicateMetricError,
  /collector Object yielded gauge "depth", but the name "depth" is taken by gauge "depth" \(yielded by collector Object\)/,
);
collectorRow(
  'collect() yields an async iterable that throws',
  () =>
    (async function* () {
      yield new Gauge('a', 'g', { registry: null });
      throw new Error('half way');
    })(),
  CollectorError,
  /collector Object: collect\(\) failed: half way/,
);

// Backends: loading.
const okClass = class Fine {
  inc() {}
  dec() {}
  set() {}
  get() {
    return 0;
  }
};
row(
  'loadBackend(null)',
  () => loadBackend(U(null)),
  BackendError,
  /loadBackend: expected \{ backendClass, backendConfig \}, got null/,
);
row(
  'loadBackend(5)',
  () => loadBackend(U(5)),
  BackendError,
  /loadBackend: expected \{ backendClass, backendConfig \}, got number 5/,
);
row(
  'loadBackend([])',
  () => loadBackend(U([])),
  BackendError,
  /loadBackend: expected \{ backendClass, backendConfig \}, got an array/,
);
row(
  'loadBackend({})',
  () => loadBackend(U({})),
  BackendError,
  /loadBackend: backendClass: expected a backend class, got undefined/,
);
row(
  'loadBackend({ backendClass: {} })',
  () => loadBackend({ backendClass: U({}) }),
  BackendError,
  /loadBackend: backendClass: expected a backend class, got an object/,
);
row(
  'loadBackend({ backendClass: class {} })',
  () => loadBackend({ backendClass: U(class Empty {}) }),
  BackendError,
  /loadBackend: backendClass: class Empty is not a backend: it has no static attach\(\), and its instances lack inc, dec, set, get/,
);
row(
  'loadBackend({ backendClass: class { static attach = 5 } })',
  () =>
    loadBackend({
      backendClass: U(
        class Odd {
          static attach = 5;
        },
      ),
    }),
  BackendError,
  /loadBackend: backendClass: static attach of Odd must be a function/,
);
row(
  'loadBackend({ backendClass, backendConfig: 3 })',
  () => loadBackend({ backendClass: okClass, backendConfig: U(3) }),
  BackendError,
  /loadBackend: backendConfig: expected an object, got number 3/,
);
row(
  'loadBackend({ backendClass, backendConfig: null })',
  () => loadBackend({ backendClass: okClass, backendConfig: U(null) }),
  BackendError,
  /loadBackend: backendConfig: expected an object, got null/,
);
row(
  'loadBackend({ backendClass, backendConfig: [] })',
  () => loadBackend({ backendClass: okClass, backendConfig: U([]) }),
  BackendError,
  /loadBackend: backendConfig: expected an object, got an array/,
);
row(
  'loadBackend({ backendClass, config: {} })',
  () => loadBackend(U({ backendClass: okClass, config: {} })),
  BackendError,
  /loadBackend: unknown option "config": backendConfig/,
);
row(
  'loadBackend({ backendClas }) (typo)',
  () => loadBackend(U({ backendClas: okClass })),
  BackendError,
  /loadBackend: unknown option "backendClas"; did you mean "backendClass"\?/,
);
row(
  'loadBackend({ backendClass: class { static initialize() { throw } } })',
  () =>
    loadBackend({
      backendClass: class Failing extends okClass {
        static initialize() {
          throw new Error('no database');
        }
      },
    }),
  BackendError,
  /backend Failing failed to initialize: no database/,
);
row(
  "loadBackend({ backendClass: class { static initialize() { throw 'text' } } })",
  () =>
    loadBackend({
      backendClass: class Failing extends okClass {
        static initialize() {
          throw 'plain text';
        }
      },
    }),
  BackendError,
  /backend Failing failed to initialize: plain text/,
);

// Backends at work: a backend's fault never escapes a write; the scrape of its metric names the metric.
const onBackend = (backendClass: unknown, write: (registry: CollectorRegistry) => void) => (_c: Context) => {
  loadBackend({ backendClass: U(backendClass) });
  const registry = new CollectorRegistry();
  expect(() => write(registry)).not.toThrow();
  return generateMetrics(registry);
};
const restoreMemory = { cleanup: () => loadBackend({ backendClass: MemoryBackend }) };
const faulty = (overrides: Partial<Record<'ctor' | 'inc' | 'set' | 'get', () => unknown>>) =>
  class Faulty {
    constructor() {
      overrides.ctor?.();
    }
    inc() {
      overrides.inc?.();
    }
    dec() {}
    set() {
      overrides.set?.();
    }
    get(): unknown {
      return overrides.get ? overrides.get() : 0;
    }
  };
const fail = (message: string) => () => {
  throw new Error(message);
};
const countOne = (registry: CollectorRegistry) => {
  const counter = new Counter('faulty_total', 'c', { registry, requiredLabels: ['a'] });
  counter.labels({ a: 'x' }).inc();
  counter.labels({ a: 'x' }).inc(2);
};
row(
  'a backend whose constructor throws, then inc() and a scrape',
  onBackend(faulty({ ctor: fail('no connection') }), countOne),
  BackendError,
  /metric "faulty_total": backend Faulty failed to make the store of series \{"a":"x"\}: no connection/,
  restoreMemory,
);
row(
  'a histogram on a backend whose constructor throws',
  onBackend(faulty({ ctor: fail('no connection') }), (registry) =>
    new Histogram('faulty_seconds', 'h', { registry, buckets: [1] }).observe(0.5),
  ),
  BackendError,
  /metric "faulty_seconds": backend Faulty failed to make the store of series \{\} \(1.0\): no connection/,
  restoreMemory,
);
row(
  'a backend whose inc() throws, then a scrape',
  onBackend(faulty({ inc: fail('buffer full') }), countOne),
  BackendError,
  /metric "faulty_total": backend Faulty failed a write \(inc\): buffer full/,
  restoreMemory,
);
row(
  'a backend whose set() throws, then a scrape',
  onBackend(faulty({ set: fail('read-only') }), (registry) => new Gauge('faulty', 'g', { registry }).set(3)),
  BackendError,
  /metric "faulty": backend Faulty failed a write \(set\): read-only/,
  restoreMemory,
);
row(
  'a backend whose get() throws',
  onBackend(faulty({ get: fail('timeout') }), countOne),
  BackendError,
  /reading metric "faulty_total" failed: timeout/,
  restoreMemory,
);
row(
  'a backend whose get() rejects',
  onBackend(faulty({ get: () => Promise.reject(new Error('gone')) }), countOne),
  BackendError,
  /reading metric "faulty_total" failed: gone/,
  restoreMemory,
);
row(
  'a backend whose get() returns undefined',
  onBackend(faulty({ get: () => undefined }), countOne),
  BackendError,
  /reading metric "faulty_total" failed: backend Faulty's get\(\) returned undefined, not a number/,
  restoreMemory,
);
row(
  "a backend whose get() resolves '3'",
  onBackend(faulty({ get: () => Promise.resolve('3') }), countOne),
  BackendError,
  /reading metric "faulty_total" failed: backend Faulty's get\(\) returned "3", not a number/,
  restoreMemory,
);
row(
  'a backend whose attach throws',
  onBackend(
    class Attaching {
      static attach() {
        throw new Error('attach failed');
      }
    },
    countOne,
  ),
  BackendError,
  /metric "faulty_total": backend Attaching failed to attach it: attach failed/,
  restoreMemory,
);
row(
  'a backend whose set hook throws, then gauge.set()',
  onBackend(
    class Hooked {
      static attach() {
        return { set: fail('hook broke') };
      }
    },
    (registry) => new Gauge('hooked', 'g', { registry }).set(1),
  ),
  BackendError,
  /metric "hooked": backend Hooked failed to take a set: hook broke/,
  restoreMemory,
);
const batch = (result: () => unknown) =>
  class Batch {
    static attach() {}
    static readMetrics() {
      return result();
    }
  };
const oneRow = (sample: Partial<BackendSample> | Record<string, unknown>) => () =>
  Promise.resolve([[sample]]);
row(
  'readMetrics rejects',
  onBackend(
    batch(() => Promise.reject(new Error('redis down'))),
    countOne,
  ),
  BackendError,
  /reading metric "faulty_total" failed: redis down/,
  restoreMemory,
);
row(
  'readMetrics returns 5',
  onBackend(
    batch(() => Promise.resolve(5)),
    countOne,
  ),
  BackendError,
  /reading metric "faulty_total" failed: backend Batch's readMetrics returned number 5 instead of a list per metric/,
  restoreMemory,
);
row(
  'readMetrics returns [5]',
  onBackend(
    batch(() => Promise.resolve([5])),
    countOne,
  ),
  BackendError,
  /reading metric "faulty_total" failed: backend Batch's readMetrics returned number 5 instead of a list of samples/,
  restoreMemory,
);
row(
  "readMetrics row value '1'",
  onBackend(batch(oneRow({ labelValues: ['x'], value: '1' })), countOne),
  BackendError,
  /reading metric "faulty_total" failed: backend Batch's readMetrics returned a sample whose value is "1", not a number/,
  restoreMemory,
);
row(
  'readMetrics row labelValues null',
  onBackend(batch(oneRow({ labelValues: null, value: 1 })), countOne),
  BackendError,
  /reading metric "faulty_total" failed: .* labelValues is null/,
  restoreMemory,
);
row(
  'readMetrics row label value 5',
  onBackend(batch(oneRow({ labelValues: [5], value: 1 })), countOne),
  BackendError,
  /reading metric "faulty_total" failed: .* gave a label value number 5, not a string/,
  restoreMemory,
);
row(
  "readMetrics row label value '\\uD800'",
  onBackend(batch(oneRow({ labelValues: ['\uD800'], value: 1 })), countOne),
  BackendError,
  /reading metric "faulty_total" failed: .* gave a label value that has a lone UTF-16 surrogate/,
  restoreMemory,
);
row(
  "readMetrics extra label 'bad-name'",
  onBackend(batch(oneRow({ labelValues: ['x'], value: 1, extraLabels: { 'bad-name': 'p' } })), countOne),
  BackendError,
  /reading metric "faulty_total" failed: .* an extra label "bad-name" that is not a label name this metric can take/,
  restoreMemory,
);
row(
  "readMetrics extra label 'a' (the metric's own)",
  onBackend(batch(oneRow({ labelValues: ['x'], value: 1, extraLabels: { a: 'p' } })), countOne),
  BackendError,
  /reading metric "faulty_total" failed: .* an extra label "a" that is not a label name/,
  restoreMemory,
);
row(
  "readMetrics extra label 'le' on a histogram",
  onBackend(
    batch(oneRow({ labelValues: [], value: 1, histogramBucket: 'sum', extraLabels: { le: '1' } })),
    (registry) => new Histogram('faulty_seconds', 'h', { registry }).observe(1),
  ),
  BackendError,
  /reading metric "faulty_seconds" failed: .* an extra label "le"/,
  restoreMemory,
);
row(
  'readMetrics histogramBucket 5',
  onBackend(batch(oneRow({ labelValues: [], value: 1, histogramBucket: 5 })), (registry) =>
    new Histogram('faulty_seconds', 'h', { registry }).observe(1),
  ),
  BackendError,
  /reading metric "faulty_seconds" failed: .* histogramBucket is number 5/,
  restoreMemory,
);
row(
  'flushBackend() with a flush that throws',
  () => {
    loadBackend({
      backendClass: class Flushing extends okClass {
        static flush() {
          throw new Error('disk full');
        }
      },
    });
    return flushBackend();
  },
  BackendError,
  /backend Flushing failed to flush: disk full/,
  restoreMemory,
);
row(
  'closeBackend() with a close that rejects',
  () => {
    loadBackend({
      backendClass: class Closing extends okClass {
        static close() {
          return Promise.reject(new Error('already closed'));
        }
      },
    });
    return closeBackend();
  },
  BackendError,
  /backend Closing failed to close: already closed/,
  restoreMemory,
);

// The environment.
const fixtures = join(import.meta.dirname, 'fixtures');
const configs = mkdtempSync(join(tmpdir(), 'pytheus-bad-input-'));
const configFile = (name: string, text: string) => {
  const path = join(configs, name);
  writeFileSync(path, text);
  return path;
};
const withEnvironment = (env: Record<string, string>) => ({
  act: () => {
    Object.assign(process.env, env);
    return loadBackend();
  },
  cleanup: () => {
    for (const name of Object.keys(env)) delete process.env[name];
  },
});
const envRow = (call: string, env: Record<string, string>, message: RegExp) => {
  const { act, cleanup } = withEnvironment(env);
  row(call, act, BackendError, message, { cleanup });
};
envRow(
  "PYTHEUS_BACKEND_CLASS='./missing.mjs#X'",
  { PYTHEUS_BACKEND_CLASS: './missing.mjs#X' },
  /PYTHEUS_BACKEND_CLASS: cannot load module "\.\/missing\.mjs"/,
);
envRow(
  "PYTHEUS_BACKEND_CLASS='#X'",
  { PYTHEUS_BACKEND_CLASS: '#X' },
  /PYTHEUS_BACKEND_CLASS: cannot load module "#X"/,
);
envRow(
  "PYTHEUS_BACKEND_CLASS='module#'",
  { PYTHEUS_BACKEND_CLASS: `${fixtures}/env-backend.mjs#` },
  /PYTHEUS_BACKEND_CLASS=".*env-backend\.mjs#": expected "module#ExportName"/,
);
envRow(
  "PYTHEUS_BACKEND_CLASS='env-backend.mjs#Nope'",
  { PYTHEUS_BACKEND_CLASS: `${fixtures}/env-backend.mjs#Nope` },
  /PYTHEUS_BACKEND_CLASS: module ".*env-backend\.mjs" has no export "Nope" \(its exports: EnvBackend, notAClass\)/,
);
envRow(
  "PYTHEUS_BACKEND_CLASS='env-backend.mjs#notAClass'",
  { PYTHEUS_BACKEND_CLASS: `${fixtures}/env-backend.mjs#notAClass` },
  /PYTHEUS_BACKEND_CLASS: export "notAClass" of ".*env-backend\.mjs": expected a backend class, got number 42/,
);
envRow(
  'PYTHEUS_BACKEND_CONFIG=/nonexistent.json',
  { PYTHEUS_BACKEND_CONFIG: '/nonexistent/pytheus.json' },
  /PYTHEUS_BACKEND_CONFIG: cannot read "\/nonexistent\/pytheus\.json"/,
);
envRow(
  'PYTHEUS_BACKEND_CONFIG=broken JSON',
  { PYTHEUS_BACKEND_CONFIG: configFile('broken.json', '{host: 1') },
  /PYTHEUS_BACKEND_CONFIG: ".*broken\.json" is not valid JSON/,
);
envRow(
  'PYTHEUS_BACKEND_CONFIG=[1, 2]',
  { PYTHEUS_BACKEND_CONFIG: configFile('list.json', '[1, 2]') },
  /PYTHEUS_BACKEND_CONFIG: ".*list\.json": expected an object, got an array/,
);
envRow(
  'PYTHEUS_BACKEND_CONFIG=null',
  { PYTHEUS_BACKEND_CONFIG: configFile('null.json', 'null') },
  /PYTHEUS_BACKEND_CONFIG: ".*null\.json": expected an object, got null/,
);

// Negotiation and the exposition.
row(
  'negotiate(5)',
  () => negotiate(U(5)),
  InvalidArgumentError,
  /negotiate\(\) takes the Accept header's value .*, got number 5/,
);
row(
  "negotiate(['text/plain'])",
  () => negotiate(U(['text/plain'])),
  InvalidArgumentError,
  /negotiate\(\) takes the Accept header's value .*, got an array/,
);
row(
  'negotiate({})',
  () => negotiate(U({})),
  InvalidArgumentError,
  /negotiate\(\) takes the Accept header's value .*, got an object/,
);
row(
  'generateMetrics(registry, null)',
  (c) => generateMetrics(c.registry, U(null)),
  InvalidArgumentError,
  /generateMetrics: options must be an object, got null/,
);
row(
  "generateMetrics(registry, 'openmetrics')",
  (c) => generateMetrics(c.registry, U('openmetrics')),
  InvalidArgumentError,
  /generateMetrics: options must be an object, got "openmetrics"/,
);
row(
  "generateMetrics(registry, { format: 'json' })",
  (c) => generateMetrics(c.registry, { format: U('json') }),
  InvalidArgumentError,
  /generateMetrics: format must be "prometheus" or "openmetrics", got "json"/,
);
row(
  "generateMetrics(registry, { fromat: 'openmetrics' }) (typo)",
  (c) => generateMetrics(c.registry, U({ fromat: 'openmetrics' })),
  InvalidArgumentError,
  /generateMetrics: unknown option "fromat"; did you mean "format"\?/,
);
row(
  "generateMetrics('default')",
  () => generateMetrics(U('default')),
  InvalidArgumentError,
  /generateMetrics: registry must be a CollectorRegistry \(or undefined for the default registry\), got "default"/,
);
row(
  'generateMetrics(null)',
  () => generateMetrics(U(null)),
  InvalidArgumentError,
  /generateMetrics: registry must be a CollectorRegistry .*, got null/,
);

// The HTTP handler: checked when it is made, not at every scrape.
row(
  'metricsHandler(null)',
  () => metricsHandler(U(null)),
  InvalidArgumentError,
  /metricsHandler: options must be an object, got null/,
);
row(
  "metricsHandler('registry')",
  () => metricsHandler(U('registry')),
  InvalidArgumentError,
  /metricsHandler: options must be an object, got "registry"/,
);
row(
  'metricsHandler([])',
  () => metricsHandler(U([])),
  InvalidArgumentError,
  /metricsHandler: options must be an object, got an array/,
);
row(
  'metricsHandler({ registy }) (typo)',
  (c) => metricsHandler(U({ registy: c.registry })),
  InvalidArgumentError,
  /metricsHandler: unknown option "registy"; did you mean "registry"\?/,
);
row(
  "metricsHandler({ registry: 'default' })",
  () => metricsHandler({ registry: U('default') }),
  InvalidArgumentError,
  /metricsHandler: registry must be a CollectorRegistry \(or absent for the default registry\), got "default"/,
);
row(
  'metricsHandler({ registry: {} })',
  () => metricsHandler({ registry: U({}) }),
  InvalidArgumentError,
  /metricsHandler: registry must be a CollectorRegistry .*, got an object/,
);

// ---- the checks -----------------------------------------------------------------------------------------------

const FORMATS: Format[] = ['prometheus', 'openmetrics'];
const judged = new Set<string>();

async function expositions(registry: CollectorRegistry): Promise<string[]> {
  const texts = await Promise.all(FORMATS.map((format) => generateMetrics(registry, { format })));
  for (const [i, text] of texts.entries()) {
    const key = `${FORMATS[i]}\n${text}`;
    if (!judged.has(key)) {
      await judge(text, FORMATS[i]!);
      judged.add(key);
    }
  }
  return texts;
}

describe(`bad input: ${rows.length} calls over the public API, each refused with a typed error and nothing changed`, () => {
  const original = getDefaultRegistry();
  let baseline: string[] = [];
  beforeAll(async () => {
    baseline = await expositions(context().registry);
  });
  afterAll(() => {
    setDefaultRegistry(original);
    loadBackend({ backendClass: MemoryBackend });
  });

  it('has at least 150 rows, each a different call', () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
    expect(new Set(rows.map((r) => r.call)).size).toBe(rows.length);
  });

  it.each(rows.map((r) => [r.call, r] as const))('%s', async (_call, r) => {
    const ctx = context();
    const backend = currentBackend();
    let thrown: unknown;
    try {
      try {
        await r.act(ctx);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, 'the call was accepted').toBeInstanceOf(r.error);
      expect(thrown).toBeInstanceOf(PytheusError);
      expect((thrown as Error).name).toBe(r.error.name);
      expect((thrown as Error).message).toMatch(r.message);
      await r.after?.(ctx);
    } finally {
      r.cleanup?.(ctx);
    }
    // Nothing changed: the same backend, and an exposition (values, metrics registered) identical to the one
    // before the call, which the judges accept.
    expect(currentBackend().backendClass).toBe(backend.backendClass);
    expect(currentBackend().backendConfig).toEqual(backend.backendConfig);
    expect(await expositions(ctx.registry)).toEqual(baseline);
  });
});
