import type { BackendSample, LoadedBackend, MetricType } from './backend.js';
import { BackendError, describeValue } from './errors.js';
import { describeLoneSurrogate, escapeLabelValue, loneSurrogateAt, renderLabelPairs } from './escape.js';
import { type Exemplar, type Family, familyOf } from './family.js';
import { isLabelName } from './names.js';
import type { CollectorRegistry } from './registry.js';

/** One series as read for an exposition. */
export interface SeriesSnapshot {
  /** The label pairs, escaped and joined (`a="1",b="2"`), or `''`. */
  readonly labelText: string;
  /** A counter's or gauge's value (0 for histograms and summaries). */
  readonly value: number;
  /** A histogram's cumulative bucket counts, aligned with {@link MetricSnapshot.bucketKeys}. */
  readonly buckets?: readonly number[];
  /** A histogram's or summary's sum and count. */
  readonly sum?: number;
  readonly count?: number;
  /** A counter's latest exemplar (index 0), or each histogram bucket's. */
  readonly exemplars?: readonly (Exemplar | undefined)[];
}

/** One metric as read for an exposition. */
export interface MetricSnapshot {
  /** The exposed name, registry prefix included. */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly unit: string | undefined;
  /** Histogram `le` values, `+Inf` last. */
  readonly bucketKeys: readonly string[] | undefined;
  readonly series: readonly SeriesSnapshot[];
}

// Turns a series' stored numbers (in `family.partNames` order, histogram buckets non-cumulative) into a snapshot.
function snapshotOf(
  family: Family,
  labelText: string,
  numbers: readonly number[],
  offset: number,
  exemplars: readonly (Exemplar | undefined)[] | undefined,
): SeriesSnapshot {
  if (family.type === 'counter' || family.type === 'gauge') {
    return exemplars
      ? { labelText, value: numbers[offset]!, exemplars }
      : { labelText, value: numbers[offset]! };
  }
  if (family.type === 'summary') {
    return { labelText, value: 0, count: numbers[offset]!, sum: numbers[offset + 1]! };
  }
  const bucketCount = family.buckets!.length;
  const buckets = new Array<number>(bucketCount);
  let total = 0;
  for (let i = 0; i < bucketCount; i++) {
    total += numbers[offset + i]!;
    buckets[i] = total;
  }
  const snapshot = { labelText, value: 0, buckets, count: total, sum: numbers[offset + bucketCount]! };
  return exemplars ? { ...snapshot, exemplars } : snapshot;
}

async function snapshotLocal(family: Family): Promise<SeriesSnapshot[]> {
  const numbers = await family.readNumbers();
  const labelTexts = family.renderedLabels();
  const step = family.width;
  const out = new Array<SeriesSnapshot>(family.count);
  for (let i = 0; i < out.length; i++) {
    out[i] = snapshotOf(family, labelTexts[i]!, numbers, i * step, family.exemplars?.get(i));
  }
  return out;
}

function sampleKey(
  labelValues: readonly string[],
  extra: Readonly<Record<string, string>> | undefined,
): string {
  // JSON of the value list is injective: no two label sets share a key, whatever the values contain. Extra
  // labels are sorted by name: the same labels in another order are the same series.
  return extra === undefined
    ? JSON.stringify(labelValues)
    : JSON.stringify([labelValues, Object.entries(extra).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

const RESERVED_BY_TYPE: Readonly<Record<MetricType, readonly string[]>> = {
  counter: [],
  gauge: [],
  histogram: ['le'],
  summary: ['quantile'],
};

// The checks of a batch read's rows, so that what a backend returns cannot break the exposition: a row's shape and
// number (cheap, every row), and the labels of a series met for the first time (a label name that is not one, a
// value that is not a string or has a lone surrogate, an extra label that duplicates one of the metric's).
function checkRow(row: unknown, fail: (what: string) => never): asserts row is BackendSample {
  if (typeof row !== 'object' || row === null) fail(`returned ${describeValue(row)} as a sample`);
  const { value, histogramBucket, key } = row as Record<string, unknown>;
  if (typeof value !== 'number')
    fail(`returned a sample whose value is ${describeValue(value)}, not a number`);
  if (histogramBucket !== undefined && typeof histogramBucket !== 'string') {
    fail(`returned a sample whose histogramBucket is ${describeValue(histogramBucket)}`);
  }
  if (key !== undefined && typeof key !== 'string')
    fail(`returned a sample whose key is ${describeValue(key)}`);
}

// Returns the label values, read once (a backend may compute them on demand).
function checkLabels(
  family: Family,
  sample: BackendSample,
  fail: (what: string) => never,
): readonly string[] {
  const checkValue = (value: unknown, what: string): void => {
    if (typeof value !== 'string') fail(`gave ${what} ${describeValue(value)}, not a string`);
    const at = loneSurrogateAt(value as string);
    if (at >= 0) fail(`gave ${what} that ${describeLoneSurrogate(value as string, at)}`);
  };
  const { labelValues, extraLabels } = sample as unknown as Record<string, unknown>;
  if (!Array.isArray(labelValues))
    fail(`returned a sample whose labelValues is ${describeValue(labelValues)}`);
  for (const labelValue of labelValues as unknown[]) checkValue(labelValue, 'a label value');
  if (extraLabels === undefined) return labelValues as string[];
  if (typeof extraLabels !== 'object' || extraLabels === null || Array.isArray(extraLabels)) {
    fail(`returned a sample whose extraLabels is ${describeValue(extraLabels)}`);
  }
  const reserved = RESERVED_BY_TYPE[family.type];
  for (const [name, extra] of Object.entries(extraLabels as object)) {
    if (!isLabelName(name) || family.labelIndex.has(name) || reserved.includes(name)) {
      fail(`returned an extra label ${describeValue(name)} that is not a label name this metric can take`);
    }
    checkValue(extra, `extra label "${name}"`);
  }
  return labelValues as string[];
}

const NO_SERIES: ReadonlyMap<string, number> = new Map();

// The key of each series of a family that a batch read reports, by key: kept between scrapes and extended with the
// series added since, so that a scrape encodes each series' label values once, not once per scrape.
const seriesByKey = new WeakMap<Family, { count: number; index: Map<string, number> }>();

function ownSeries(family: Family): ReadonlyMap<string, number> {
  let known = seriesByKey.get(family);
  if (known === undefined) {
    known = { count: 0, index: new Map() };
    seriesByKey.set(family, known);
  }
  if (known.count < family.count) {
    const { count, index } = known;
    family.walk((i, values) => {
      if (i >= count) index.set(sampleKey(values, undefined), i);
    });
    known.count = family.count;
  }
  return known.index;
}

// Builds the snapshot of a family from a backend's batch read: the series this process created come first, in
// creation order (zero where the backend has nothing yet), then the series only the backend knows, in its order.
// A sample finds its series by its key: the one the backend gives (`sample.key`), or the JSON of its label
// values. A key that finds none of this process' series is checked against the label values themselves before
// it makes a series of its own, so a backend's key speeds up the match and never decides it. What a backend
// returns must not break the exposition: every row is checked for its shape and number, and the labels of a
// series are checked when it is first met (its label values are read then, and only then).
function snapshotFromSamples(family: Family, backend: string, samples: unknown): SeriesSnapshot[] {
  const fail = (what: string): never => {
    throw new BackendError(
      `reading metric "${family.exposedName}" failed: backend ${backend}'s readMetrics ${what}`,
    );
  };
  if (!Array.isArray(samples)) fail(`returned ${describeValue(samples)} instead of a list of samples`);
  const step = family.width;
  const parts = family.partNames;
  const partIndex = new Map(parts?.map((part, i) => [part, i]));
  // This process' series: their numbers in one array, found by key.
  const own = family.multiprocessMode === 'perProcess' ? NO_SERIES : ownSeries(family);
  const numbers = new Array<number>(own.size === 0 ? 0 : family.count * step).fill(0);
  // Series only the backend knows, in its order, by key; a backend's key that is not the checked one is an alias.
  const others: { labelText: string; numbers: number[] }[] = [];
  const otherByKey = new Map<string, number[]>();
  let aliases: Map<string, number> | undefined;
  // Backends without keys usually hand back one label-values array per series for all of its rows: key it once.
  const keys = new Map<readonly string[], string>();
  // Where a series' numbers go: `numbers` at an offset, or a series of `others`; undefined to skip the sample.
  const locate = (sample: BackendSample, key: string): [number[], number] | undefined => {
    const index = own.get(key) ?? aliases?.get(key);
    if (index !== undefined) return [numbers, index * step];
    const known = otherByKey.get(key);
    if (known !== undefined) return [known, 0];
    const labelValues = checkLabels(family, sample, fail);
    if (labelValues.length !== family.labelNames.length) return undefined;
    const extra = sample.extraLabels;
    let checked = key;
    if (extra === undefined && sample.key !== undefined) {
      checked = sampleKey(labelValues, undefined);
      const mine = own.get(checked);
      if (mine !== undefined) {
        (aliases ??= new Map()).set(key, mine);
        return [numbers, mine * step];
      }
      const other = otherByKey.get(checked);
      if (other !== undefined) {
        otherByKey.set(key, other);
        return [other, 0];
      }
    }
    let labelText = renderLabelPairs(family.labelNames, labelValues);
    if (extra !== undefined) {
      for (const [name, value] of Object.entries(extra)) {
        labelText += `${labelText === '' ? '' : ','}${name}="${escapeLabelValue(value)}"`;
      }
    }
    const series = { labelText, numbers: new Array<number>(step).fill(0) };
    others.push(series);
    otherByKey.set(key, series.numbers);
    otherByKey.set(checked, series.numbers);
    return [series.numbers, 0];
  };
  // The parts of a series usually come one after another: its place is looked up once for all of them.
  let lastKey: string | undefined;
  let place: [number[], number] | undefined;
  for (const sample of samples as unknown[]) {
    checkRow(sample, fail);
    const part = parts === undefined ? 0 : partIndex.get(sample.histogramBucket ?? '');
    if (part === undefined) continue;
    const extra = sample.extraLabels;
    let key = extra === undefined ? sample.key : sampleKey(sample.labelValues, extra);
    if (key === undefined) {
      key = keys.get(sample.labelValues);
      if (key === undefined) {
        key = sampleKey(sample.labelValues, undefined);
        keys.set(sample.labelValues, key);
      }
    }
    if (key !== lastKey) {
      lastKey = key;
      place = locate(sample, key);
    }
    if (place !== undefined) place[0][place[1] + part] = sample.value;
  }
  const out: SeriesSnapshot[] = [];
  if (own.size > 0) {
    const labelTexts = family.renderedLabels();
    for (let index = 0; index < family.count; index++) {
      out.push(snapshotOf(family, labelTexts[index]!, numbers, index * step, family.exemplars?.get(index)));
    }
  }
  for (const series of others) out.push(snapshotOf(family, series.labelText, series.numbers, 0, undefined));
  return out;
}

/**
 * Reads every metric of `registry` for an exposition. Metrics on a backend with a batch read are read in one
 * call per backend; the others series by series. A scrape reads; it never changes a metric.
 */
export async function collect(registry: CollectorRegistry): Promise<MetricSnapshot[]> {
  const metrics = await registry.metrics();
  const families = metrics.map(familyOf);
  const batches = new Map<LoadedBackend, number[]>();
  families.forEach((family, i) => {
    const backend = family.checkBound();
    if (backend.backendClass.readMetrics !== undefined) {
      const members = batches.get(backend);
      if (members === undefined) batches.set(backend, [i]);
      else members.push(i);
    }
  });
  const fromBatch: (SeriesSnapshot[] | undefined)[] = new Array(families.length);
  await Promise.all(
    [...batches].map(async ([{ backendClass, backendConfig }, members]) => {
      let results: readonly (readonly BackendSample[])[];
      try {
        results = await backendClass.readMetrics!(
          backendConfig,
          members.map((i) => families[i]!.describe()),
        );
      } catch (error) {
        throw families[members[0]!]!.readError(error);
      }
      if (!Array.isArray(results)) {
        throw new BackendError(
          `reading metric "${families[members[0]!]!.exposedName}" failed: backend ${backendClass.name}'s readMetrics returned ${describeValue(results)} instead of a list per metric`,
        );
      }
      members.forEach((familyIndex, j) => {
        fromBatch[familyIndex] = snapshotFromSamples(
          families[familyIndex]!,
          backendClass.name,
          results[j] ?? [],
        );
      });
    }),
  );
  const snapshots: MetricSnapshot[] = [];
  for (let i = 0; i < families.length; i++) {
    const family = families[i]!;
    snapshots.push({
      name: registry.exposedName(family.name),
      help: family.help,
      type: family.type,
      unit: family.unit,
      bucketKeys: family.bucketKeys,
      series: fromBatch[i] ?? (await snapshotLocal(family)),
    });
  }
  return snapshots;
}
