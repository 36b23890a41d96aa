// Property-based tests of the whole library against a model of it: random registries (prefixes, series limits),
// random metrics (names that clash, label names that are not ones, help texts and label values made of unicode,
// control characters, quotes, backslashes, newlines and lone surrogates, random bucket layouts), and random
// sequences of writes (any number, exemplars good and bad). The model says which calls must fail and with which
// error, and what every sample must be; the exposition in both formats must pass the judges, and what they read
// must be exactly what the model recorded: one series per label set, never two sharing one.
//
// The backend is a parameter: core's tests run it on the memory backend and on an instance backend, and
// packages/backend-testkit runs it on the Redis backend.
import {
  CollectorRegistry,
  Counter,
  DuplicateMetricError,
  ExemplarError,
  Gauge,
  generateMetrics,
  Histogram,
  InvalidArgumentError,
  InvalidBucketsError,
  InvalidNameError,
  InvalidValueError,
  LabelError,
  type Metric,
  MissingLabelsError,
  type PytheusError,
  SERIES_OVERFLOW_VALUE,
  SERIES_REFUSED_NAME,
  Summary,
} from '@pytheus/core';
import fc from 'fast-check';
import { type Format, judge, numberText, sampleKey, samplesOf } from '../judges/judges.js';

type Kind = 'counter' | 'gauge' | 'histogram' | 'summary';
type ErrorClass = new (...args: never[]) => PytheusError;

interface FamilySpec {
  readonly kind: Kind;
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
  readonly defaults: Readonly<Record<string, string>>;
  readonly unit: string | undefined;
  readonly buckets: readonly number[] | undefined;
  readonly maxSeries: number | undefined;
}

interface Op {
  readonly family: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Which of the metric type's writes (inc, dec, set; observe), modulo how many it has. */
  readonly action: number;
  readonly value: number;
  readonly exemplar?: {
    readonly labels: Readonly<Record<string, string>>;
    readonly timestamp?: number;
  };
}

/** What the runs exercised, for a test to report: the model is only as good as the calls that got through. */
export const stats = {
  runs: 0,
  registriesRefused: 0,
  metricsMade: 0,
  metricsRefused: 0,
  writes: 0,
  writesRefused: 0,
  series: 0,
  refusedLabelSets: 0,
  exemplars: 0,
  samplesCompared: 0,
};

export interface Scenario {
  readonly prefix: string | undefined;
  readonly registryMaxSeries: number | undefined;
  readonly families: readonly FamilySpec[];
  readonly ops: readonly Op[];
}

// ---- generators -----------------------------------------------------------------------------------------------

const SPECIAL = [
  '"',
  '\\',
  '\\n',
  '\n',
  '\r',
  '\t',
  '\0',
  '\u0001',
  '\u007f',
  '\u0085',
  '\u2028',
  '\uFEFF',
  '\uFFFD',
  '🚀',
  'é',
  'e\u0301',
  '{',
  '}',
  ',',
  '=',
  '#',
  ' ',
  ' # {a="b"} 1',
  SERIES_OVERFLOW_VALUE,
];

/** Halves of surrogate pairs with no partner: UTF-8 cannot carry them, so they are refused where they come in. */
const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];

/**
 * Text made of pieces: any code point, characters that escaping, parsing or UTF-8 get wrong, and now and then a
 * lone surrogate.
 */
const text = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
      { weight: 4, arbitrary: fc.constantFrom(...SPECIAL) },
      { weight: 1, arbitrary: fc.constantFrom(...LONE_SURROGATES) },
    ),
    { maxLength: 4 },
  )
  .map((pieces) => pieces.join(''));

/** A label value: often one of a few, so that series are written again, otherwise any text. */
const labelValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', '') },
  { weight: 3, arbitrary: text },
);

const labelName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('route', 'method', 'code', 'x') },
  { weight: 1, arbitrary: fc.constantFrom('le', 'quantile', '__reserved', 'bad-name', '1st', '') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,5}$/) },
);

/** Names that clash with each other's samples (a_total, a_created, a_bucket...) and names that are not ones. */
const metricName = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('a', 'a_total', 'a_created', 'a_bucket', 'a_count', 'a_sum', 'b', 'b_total'),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__c', '1x', 'x-y', '', SERIES_REFUSED_NAME, 'pytheus_series_refused'),
  },
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/) },
);

const bound = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0, -0, 0.5, 1, 10, -1),
);
const buckets = fc.oneof(
  // Mostly usable layouts (sorted, distinct), sometimes anything.
  { weight: 3, arbitrary: fc.array(bound, { minLength: 1, maxLength: 6 }).map(sortedDistinct) },
  fc.array(bound, { maxLength: 6 }),
);

/** `arbitrary` in `weight` cases out of `weight + otherwise`, undefined in the others. */
function sometimes<T>(
  arbitrary: fc.Arbitrary<T>,
  weight: number,
  otherwise: number,
): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight, arbitrary }, { weight: otherwise, arbitrary: fc.constant(undefined) });
}

function sortedDistinct(bounds: number[]): number[] {
  const sorted = [...bounds].filter((b) => !Number.isNaN(b)).sort((x, y) => x - y);
  return sorted.filter((b, i) => i === 0 || b > sorted[i - 1]!);
}

const family = fc
  .record({
    kind: fc.constantFrom<Kind>('counter', 'gauge', 'histogram', 'summary'),
    name: metricName,
    help: fc.oneof({ weight: 2, arbitrary: fc.constant('Help.') }, { weight: 3, arbitrary: text }),
    labels: fc.array(labelName, { maxLength: 3 }),
    defaultValues: fc.array(fc.option(labelValue, { nil: undefined }), { maxLength: 3 }),
    unit: sometimes(fc.constantFrom('seconds', 'bytes'), 1, 3),
    unitInName: fc.oneof(
      { weight: 3, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    buckets,
    maxSeries: sometimes(fc.integer({ min: 1, max: 4 }), 1, 2),
  })
  .map((r): FamilySpec => {
    const defaults: Record<string, string> = {};
    r.labels.forEach((label, i) => {
      const value = r.defaultValues[i];
      if (value !== undefined && !(label in defaults)) defaults[label] = value;
    });
    // A unit is usually made valid by putting it in the name (before a counter's _total).
    let name = r.name;
    if (r.unit !== undefined && r.unitInName) {
      name =
        r.kind === 'counter' && name.endsWith('_total')
          ? `${name.slice(0, -6)}_${r.unit}_total`
          : `${name}_${r.unit}`;
    }
    return {
      kind: r.kind,
      name,
      help: r.help,
      labels: r.labels,
      defaults,
      unit: r.unit,
      buckets: r.kind === 'histogram' ? r.buckets : undefined,
      maxSeries: r.maxSeries,
    };
  });

const exemplar = fc.record(
  {
    labels: fc.dictionary(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('trace_id', 'span_id') },
        { weight: 1, arbitrary: fc.constantFrom('__x', 'bad-name') },
        { weight: 2, arbitrary: fc.stringMatching(/^[a-z_]{1,4}$/) },
      ),
      fc.oneof(
        { weight: 4, arbitrary: fc.string({ maxLength: 8 }) },
        { weight: 3, arbitrary: text },
        { weight: 1, arbitrary: fc.constantFrom('x'.repeat(130), 'nul\0') },
      ),
      { maxKeys: 2 },
    ),
    timestamp: fc.oneof(
      { weight: 4, arbitrary: fc.double({ min: 0, max: 1e10, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(1.5e-7, 5e-10, 1700000000.25, 1e16, -0.5, Number.NaN) },
    ),
  },
  { requiredKeys: ['labels'] },
);

/** Numbers a write may take: any double (mostly not negative, which counters refuse), and the edge cases. */
export const anyNumber = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, noNaN: true }) },
  { weight: 2, arbitrary: fc.double() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0,
      -0,
      1,
      -1,
      0.1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1e308,
    ),
  },
);

/** Numbers whose sums are exact in any order and any store (multiples of 1/8 under 2^40), and the infinities. */
export const exactNumber = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 2 ** 20 }).map((n) => n / 8) },
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((n) => n / 8) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
  },
);

export function scenario(values: fc.Arbitrary<number> = anyNumber): fc.Arbitrary<Scenario> {
  return fc
    .record({
      prefix: fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 4, arbitrary: fc.constantFrom('app', 'x_y') },
        { weight: 1, arbitrary: fc.constantFrom('__bad', 'bad-prefix') },
      ),
      registryMaxSeries: sometimes(fc.integer({ min: 1, max: 5 }), 1, 4),
      families: fc.array(family, { minLength: 1, maxLength: 5 }),
      ops: fc.array(
        fc.record({
          family: fc.nat(),
          labels: fc.dictionary(labelName, labelValue, { maxKeys: 3 }),
          useFamilyLabels: fc.array(labelValue, { minLength: 0, maxLength: 3 }),
          action: fc.nat(2),
          value: values,
          exemplar: sometimes(exemplar, 1, 3),
        }),
        { minLength: 5, maxLength: 60, size: 'medium' },
      ),
    })
    .map((r) => ({
      prefix: r.prefix,
      registryMaxSeries: r.registryMaxSeries,
      families: r.families,
      ops: r.ops.map((op) => {
        const spec = r.families[op.family % r.families.length]!;
        // Mostly the family's own label names with values (so that series are made), sometimes random labels.
        const labels: Record<string, string> = {};
        if (op.useFamilyLabels.length > 0) {
          spec.labels.forEach((label, i) => {
            const value = op.useFamilyLabels[i];
            if (value !== undefined) labels[label] = value;
          });
        } else Object.assign(labels, op.labels);
        return {
          family: op.family % r.families.length,
          labels,
          action: op.action,
          value: op.value,
          ...(op.exemplar === undefined ? {} : { exemplar: op.exemplar }),
        };
      }),
    }));
}

// ---- the model ------------------------------------------------------------------------------------------------

// The rules below (names, claims, bucket labels, what a call refuses, what OpenMetrics leaves out) are written from
// the documentation, not taken from core's code: a model that called core could never disagree with it.

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LONE_SURROGATE = /\p{Cs}/u;

const isLabelName = (name: string) => LABEL_NAME.test(name) && !name.startsWith('__');
const isMetricName = (name: string) => METRIC_NAME.test(name) && !name.startsWith('__');
const counterBase = (name: string) => (name.endsWith('_total') ? name.slice(0, -6) : name);

function claims(kind: Kind, name: string): string[] {
  switch (kind) {
    case 'counter': {
      const base = counterBase(name);
      return [name, base === name ? `${name}_total` : base, `${base}_created`];
    }
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`, `${name}_created`];
    case 'summary':
      return [name, `${name}_sum`, `${name}_count`, `${name}_created`];
    default:
      return [name];
  }
}

function bucketLabel(bound: number): string {
  if (bound === Number.POSITIVE_INFINITY) return '+Inf';
  if (bound === Number.NEGATIVE_INFINITY) return '-Inf';
  const s = String(bound);
  return Number.isInteger(bound) && !s.includes('e') ? `${s}.0` : s;
}

function codePoints(s: string): number {
  return [...s].length;
}

interface ModelSeries {
  readonly labels: Record<string, string>;
  /** counter/gauge: [value]; histogram: bucket counts (not cumulative) then sum; summary: [count, sum]. */
  readonly numbers: number[];
  readonly exemplars: Map<
    number,
    { labels: Record<string, string>; value: number; timestamp: number | undefined }
  >;
}

interface ModelFamily {
  readonly spec: FamilySpec;
  readonly metric: Metric;
  readonly exposed: string;
  readonly bounds: readonly number[] | undefined;
  readonly maxSeries: number;
  readonly series: Map<string, ModelSeries>;
}

/** What the backend under test needs around one run. */
export interface BackendUnderTest {
  /** Loads the backend for one run, in a space of its own (a fresh key prefix); undone by `stop`. */
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * Runs one scenario against core on the backend, checking every call against the model, then hands both
 * expositions to the judges and compares every sample with the model's.
 */
export async function runScenario(s: Scenario, backend: BackendUnderTest): Promise<void> {
  await backend.start();
  try {
    await run(s);
  } finally {
    await backend.stop();
  }
}

function expectError(what: string, act: () => unknown, allowed: ErrorClass[]): unknown {
  let result: unknown;
  try {
    result = act();
  } catch (error) {
    if (allowed.length > 0 && allowed.some((kind) => error instanceof kind)) return undefined;
    throw new Error(
      `${what}: threw ${(error as Error)?.name}: ${(error as Error)?.message}; expected ${allowed.length === 0 ? 'success' : allowed.map((k) => k.name).join(' or ')}`,
    );
  }
  if (allowed.length > 0) {
    throw new Error(`${what}: succeeded; expected ${allowed.map((k) => k.name).join(' or ')}`);
  }
  return result;
}

async function run(s: Scenario): Promise<void> {
  // The registry.
  const registryErrors: ErrorClass[] = [];
  if (s.prefix !== undefined && !isMetricName(s.prefix)) registryErrors.push(InvalidNameError);
  const registry = expectError(
    `new CollectorRegistry(${JSON.stringify(s.prefix)})`,
    () =>
      new CollectorRegistry({
        ...(s.prefix === undefined ? {} : { prefix: s.prefix }),
        ...(s.registryMaxSeries === undefined ? {} : { maxSeries: s.registryMaxSeries }),
        onSeriesLimit: () => {},
      }),
    registryErrors,
  ) as CollectorRegistry | undefined;
  stats.runs++;
  if (registry === undefined) {
    stats.registriesRefused++;
    return;
  }
  const exposedName = (name: string) => (s.prefix === undefined ? name : `${s.prefix}_${name}`);
  const taken = new Set<string>(claims('counter', exposedName(SERIES_REFUSED_NAME)));
  const refused = new Map<string, number>();
  const families: (ModelFamily | undefined)[] = [];

  // The metrics.
  for (const spec of s.families) {
    const errors: ErrorClass[] = [];
    if (!isMetricName(spec.name)) errors.push(InvalidNameError);
    if (LONE_SURROGATE.test(spec.help)) errors.push(InvalidArgumentError);
    const reserved = spec.kind === 'histogram' ? ['le'] : spec.kind === 'summary' ? ['quantile'] : [];
    for (const label of spec.labels) {
      if (!isLabelName(label) || reserved.includes(label)) errors.push(InvalidNameError);
    }
    if (new Set(spec.labels).size !== spec.labels.length) errors.push(LabelError);
    for (const value of Object.values(spec.defaults)) if (LONE_SURROGATE.test(value)) errors.push(LabelError);
    if (spec.unit !== undefined) {
      const base = spec.kind === 'counter' ? counterBase(spec.name) : spec.name;
      if (!base.endsWith(`_${spec.unit}`)) errors.push(InvalidNameError);
    }
    let bounds: number[] | undefined;
    if (spec.buckets !== undefined) {
      const b = spec.buckets;
      const valid = b.length > 0 && b.every((x, i) => !Number.isNaN(x) && (i === 0 || x > b[i - 1]!));
      if (!valid) errors.push(InvalidBucketsError);
      else bounds = b[b.length - 1] === Number.POSITIVE_INFINITY ? [...b] : [...b, Number.POSITIVE_INFINITY];
    }
    const exposed = exposedName(spec.name);
    const claimed = claims(spec.kind, exposed);
    if (errors.length === 0 && claimed.some((name) => taken.has(name))) errors.push(DuplicateMetricError);
    const Type = { counter: Counter, gauge: Gauge, histogram: Histogram, summary: Summary }[spec.kind];
    const options = {
      registry,
      requiredLabels: spec.labels,
      defaultLabels: spec.defaults,
      ...(spec.unit === undefined ? {} : { unit: spec.unit }),
      ...(spec.buckets === undefined ? {} : { buckets: spec.buckets }),
      ...(spec.maxSeries === undefined ? {} : { maxSeries: spec.maxSeries }),
    };
    const metric = expectError(
      `new ${Type.name}(${JSON.stringify(spec.name)}, ${JSON.stringify(spec.help)}, ${JSON.stringify(options, (k, v) => (k === 'registry' ? undefined : v))})`,
      () => new Type(spec.name, spec.help, options as never),
      errors,
    ) as Metric | undefined;
    if (metric === undefined) {
      stats.metricsRefused++;
      families.push(undefined);
      continue;
    }
    stats.metricsMade++;
    for (const name of claimed) taken.add(name);
    const maxSeries = spec.maxSeries ?? s.registryMaxSeries ?? Number.POSITIVE_INFINITY;
    if (maxSeries !== Number.POSITIVE_INFINITY) refused.set(exposed, 0);
    const model: ModelFamily = { spec, metric, exposed, bounds, maxSeries, series: new Map() };
    families.push(model);
    // A metric whose defaults cover every label is its own series from the start.
    if (spec.labels.every((label) => label in spec.defaults)) seriesOf(model, { ...spec.defaults }, refused);
  }

  // The writes.
  for (const op of s.ops) {
    const model = families[op.family];
    if (model === undefined) continue;
    await write(model, op, refused);
  }

  // The expositions, read by the judges, against the model.
  for (const format of ['prometheus', 'openmetrics'] as Format[]) {
    const text = await generateMetrics(registry, { format });
    const parsed = await judge(text, format);
    const expected = expectedSamples(families, refused, exposedName(SERIES_REFUSED_NAME), format);
    const got = Object.fromEntries(samplesOf(parsed));
    if (JSON.stringify(sortKeys(got)) !== JSON.stringify(sortKeys(expected))) {
      throw new Error(
        `the ${format} judges read other samples than were recorded:\n${diff(expected, got)}\n--- exposition:\n${text}`,
      );
    }
    if (format === 'openmetrics') checkMetadata(families, parsed);
    stats.samplesCompared += Object.keys(expected).length;
  }
}

function seriesOf(
  model: ModelFamily,
  labels: Record<string, string>,
  refused: Map<string, number>,
): ModelSeries {
  const key = JSON.stringify(model.spec.labels.map((label) => labels[label]));
  let series = model.series.get(key);
  if (series !== undefined) return series;
  if (model.series.size >= model.maxSeries) {
    stats.refusedLabelSets++;
    refused.set(model.exposed, (refused.get(model.exposed) ?? 0) + 1);
    const markers = Object.fromEntries(model.spec.labels.map((label) => [label, SERIES_OVERFLOW_VALUE]));
    const markerKey = JSON.stringify(model.spec.labels.map(() => SERIES_OVERFLOW_VALUE));
    series = model.series.get(markerKey);
    if (series === undefined) {
      series = newSeries(model, markers);
      model.series.set(markerKey, series);
    }
    return series;
  }
  series = newSeries(model, labels);
  model.series.set(key, series);
  stats.series++;
  return series;
}

function newSeries(model: ModelFamily, labels: Record<string, string>): ModelSeries {
  const width =
    model.spec.kind === 'histogram' ? model.bounds!.length + 1 : model.spec.kind === 'summary' ? 2 : 1;
  return { labels: { ...labels }, numbers: new Array<number>(width).fill(0), exemplars: new Map() };
}

async function write(model: ModelFamily, op: Op, refused: Map<string, number>): Promise<void> {
  const { spec } = model;
  const what = `${spec.kind} ${JSON.stringify(model.exposed)}.labels(${JSON.stringify(op.labels)})`;
  // labels(): unknown labels and lone surrogates are LabelErrors.
  const labelErrors: ErrorClass[] = [];
  for (const [label, value] of Object.entries(op.labels)) {
    if (!spec.labels.includes(label) || LONE_SURROGATE.test(value)) labelErrors.push(LabelError);
  }
  const child = expectError(what, () => model.metric.labels(op.labels), labelErrors) as Metric | undefined;
  if (child === undefined) return;
  const full: Record<string, string> = { ...spec.defaults, ...op.labels };
  const complete = spec.labels.every((label) => label in full);
  // labels() with every label set makes the series (or counts a refusal), whether the write then succeeds or not.
  const series = complete ? seriesOf(model, full, refused) : undefined;
  const writes = {
    counter: ['inc'],
    gauge: ['inc', 'dec', 'set'],
    histogram: ['observe'],
    summary: ['observe'],
  }[spec.kind];
  const method = writes[op.action % writes.length]!;
  const v = op.value;
  const errors: ErrorClass[] = [];
  if (!complete) errors.push(MissingLabelsError);
  if (spec.kind === 'counter' && !(v >= 0 && v !== Number.POSITIVE_INFINITY)) errors.push(InvalidValueError);
  if (method !== 'set' && Number.isNaN(v)) errors.push(InvalidValueError);
  const takesExemplar = spec.kind === 'counter' || spec.kind === 'histogram';
  if (op.exemplar !== undefined) {
    if (!takesExemplar) errors.push(InvalidArgumentError);
    else if (!exemplarIsValid(op.exemplar)) errors.push(ExemplarError);
  }
  const args: unknown[] = [v];
  if (op.exemplar !== undefined) {
    args.push(
      op.exemplar.timestamp === undefined
        ? { exemplar: op.exemplar.labels }
        : { exemplar: op.exemplar.labels, exemplarTimestamp: op.exemplar.timestamp },
    );
  }
  const call = `${what}.${method}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
  expectError(
    call,
    () => (child as unknown as Record<string, (...a: unknown[]) => void>)[method]!(...args),
    errors,
  );
  if (errors.length > 0) {
    stats.writesRefused++;
    return;
  }
  stats.writes++;
  if (op.exemplar !== undefined) stats.exemplars++;
  const numbers = series!.numbers;
  let slot = 0;
  switch (method) {
    case 'inc':
      numbers[0] = numbers[0]! + v;
      break;
    case 'dec':
      numbers[0] = numbers[0]! - v;
      break;
    case 'set':
      numbers[0] = v;
      break;
    default:
      if (spec.kind === 'summary') {
        numbers[0] = numbers[0]! + 1;
        numbers[1] = numbers[1]! + v;
      } else {
        const bounds = model.bounds!;
        while (v > bounds[slot]!) slot++;
        numbers[slot] = numbers[slot]! + 1;
        numbers[bounds.length] = numbers[bounds.length]! + v;
      }
  }
  if (op.exemplar !== undefined) {
    series!.exemplars.set(slot, { labels: op.exemplar.labels, value: v, timestamp: op.exemplar.timestamp });
  }
}

function exemplarIsValid(exemplar: NonNullable<Op['exemplar']>): boolean {
  let runes = 0;
  for (const [name, value] of Object.entries(exemplar.labels)) {
    if (!isLabelName(name) || LONE_SURROGATE.test(value) || /[\0"\\\n}]/.test(value)) return false;
    runes += codePoints(name) + codePoints(value);
  }
  const t = exemplar.timestamp;
  return runes <= 128 && (t === undefined || (t >= 0 && t < 1e15));
}

function expectedSamples(
  families: readonly (ModelFamily | undefined)[],
  refused: ReadonlyMap<string, number>,
  refusedName: string,
  format: Format,
): Record<string, string> {
  const out: Record<string, string> = {};
  const om = format === 'openmetrics';
  for (const model of families) {
    if (model === undefined) continue;
    const { kind } = model.spec;
    for (const series of model.series.values()) {
      const n = series.numbers;
      if (kind === 'counter')
        out[sampleKey(`${counterBase(model.exposed)}_total`, series.labels)] = numberText(n[0]!);
      else if (kind === 'gauge') out[sampleKey(model.exposed, series.labels)] = numberText(n[0]!);
      else if (kind === 'summary') {
        out[sampleKey(`${model.exposed}_count`, series.labels)] = numberText(n[0]!);
        if (!om || n[1]! >= 0) out[sampleKey(`${model.exposed}_sum`, series.labels)] = numberText(n[1]!);
      } else {
        const bounds = model.bounds!;
        let total = 0;
        bounds.forEach((b, i) => {
          total += n[i]!;
          out[sampleKey(`${model.exposed}_bucket`, { ...series.labels, le: bucketLabel(b) })] =
            numberText(total);
        });
        const sum = n[bounds.length]!;
        if (!om || (!(bounds[0]! < 0) && sum >= 0)) {
          out[sampleKey(`${model.exposed}_count`, series.labels)] = numberText(total);
          out[sampleKey(`${model.exposed}_sum`, series.labels)] = numberText(sum);
        }
      }
    }
  }
  for (const [metric, count] of refused) out[sampleKey(refusedName, { metric })] = numberText(count);
  return out;
}

// OpenMetrics only: every family with its type, help and unit, and the latest exemplar of every counter series and
// histogram bucket.
function checkMetadata(
  families: readonly (ModelFamily | undefined)[],
  parsed: Awaited<ReturnType<typeof judge>>,
): void {
  const byName = new Map(parsed.map((f) => [f.name, f]));
  for (const model of families) {
    if (model === undefined) continue;
    const { kind, help, unit } = model.spec;
    const name = kind === 'counter' ? counterBase(model.exposed) : model.exposed;
    const got = byName.get(name);
    if (got === undefined || got.type !== kind || got.help !== help || got.unit !== (unit ?? '')) {
      throw new Error(
        `family ${name}: read ${JSON.stringify(got && { type: got.type, help: got.help, unit: got.unit })}, recorded ${JSON.stringify({ type: kind, help, unit })}`,
      );
    }
    for (const series of model.series.values()) {
      for (const [slot, exemplar] of series.exemplars) {
        const sampleName = kind === 'counter' ? `${name}_total` : `${name}_bucket`;
        const labels =
          kind === 'counter' ? series.labels : { ...series.labels, le: bucketLabel(model.bounds![slot]!) };
        const sample = got.samples.find((s) => sampleKey(s.name, s.labels) === sampleKey(sampleName, labels));
        const read = sample?.exemplar;
        const ok =
          read !== undefined &&
          JSON.stringify(sortKeys(read.labels)) === JSON.stringify(sortKeys(exemplar.labels)) &&
          numberText(read.value) === numberText(exemplar.value) &&
          (exemplar.timestamp === undefined
            ? read.timestamp === null
            : read.timestamp !== null && closeTo(Number(read.timestamp), exemplar.timestamp));
        if (!ok) {
          throw new Error(
            `exemplar of ${sampleName}${JSON.stringify(labels)}: read ${JSON.stringify(read)}, recorded ${JSON.stringify(exemplar)}`,
          );
        }
      }
    }
  }
}

// Python reads a timestamp as seconds plus nanoseconds and adds them up, which may round differently: allow a
// couple of units in the last place, and the nanosecond the text is written to.
function closeTo(read: number, recorded: number): boolean {
  return Math.abs(read - recorded) <= Math.max(1e-9, Math.abs(recorded) * 5e-16);
}

function sortKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function diff(expected: Record<string, string>, got: Record<string, string>): string {
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(expected), ...Object.keys(got)])) {
    if (expected[key] !== got[key]) lines.push(`${key}: recorded ${expected[key]}, read ${got[key]}`);
  }
  return lines.join('\n');
}
