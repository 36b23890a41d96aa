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

// A batch read's rows for one metric, checked before they are rendered: what a backend returns must not break
// the exposition (a label name that is not one, a value that is not a number, a lone surrogate, an extra label
// that duplicates one of the metric's), so anything wrong rejects the scrape with a BackendError naming the metric.
function checkSamples(
  family: Family,
  backend: string,
  rows: unknown,
): asserts rows is readonly BackendSample[] {
  const fail = (what: string): never => {
    throw new BackendError(
      `reading metric "${family.exposedName}" failed: backend ${backend}'s readMetrics ${what}`,
    );
  };
  if (!Array.isArray(rows)) fail(`returned ${describeValue(rows)} instead of a list of samples`);
  const reserved = RESERVED_BY_TYPE[family.type];
  const checkValue = (value: unknown, what: string): void => {
    if (typeof value !== 'string') fail(`gave ${what} ${describeValue(value)}, not a string`);
    const at = loneSurrogateAt(value as string);
    if (at >= 0) fail(`gave ${what} that ${describeLoneSurrogate(value as string, at)}`);
  };
  for (const row of rows as unknown[]) {
    if (typeof row !== 'object' || row === null) fail(`returned ${describeValue(row)} as a sample`);
    const { labelValues, value, histogramBucket, extraLabels } = row as Record<string, unknown>;
    if (!Array.isArray(labelValues))
      fail(`returned a sample whose labelValues is ${describeValue(labelValues)}`);
    for (const labelValue of labelValues as unknown[]) checkValue(labelValue, 'a label value');
    if (typeof value !== 'number')
      fail(`returned a sample whose value is ${describeValue(value)}, not a number`);
    if (histogramBucket !== undefined && typeof histogramBucket !== 'string') {
      fail(`returned a sample whose histogramBucket is ${describeValue(histogramBucket)}`);
    }
    if (extraLabels === undefined) continue;
    if (typeof extraLabels !== 'object' || extraLabels === null || Array.isArray(extraLabels)) {
      fail(`returned a sample whose extraLabels is ${describeValue(extraLabels)}`);
    }
    for (const [name, extra] of Object.entries(extraLabels as object)) {
      if (!isLabelName(name) || family.labelIndex.has(name) || reserved.includes(name)) {
        fail(`returned an extra label ${describeValue(name)} that is not a label name this metric can take`);
      }
      checkValue(extra, `extra label "${name}"`);
    }
  }
}

// Builds the snapshot of a family from a backend's batch read: the series this process created come first, in
// creation order (zero where the backend has nothing yet), then the series only the backend knows, in its order.
function snapshotFromSamples(family: Family, backend: string, samples: unknown): SeriesSnapshot[] {
  checkSamples(family, backend, samples);
  const step = family.width;
  const slots = new Map<string, { labelText: string; numbers: number[]; index: number }>();
  if (family.multiprocessMode !== 'perProcess') {
    const labelTexts = family.renderedLabels();
    const keys = new Array<string>(family.count);
    family.walk((index, values) => {
      keys[index] = sampleKey(values, undefined);
    });
    for (let index = 0; index < keys.length; index++) {
      slots.set(keys[index]!, {
        labelText: labelTexts[index]!,
        numbers: new Array<number>(step).fill(0),
        index,
      });
    }
  }
  const partIndex = new Map(family.partNames?.map((part, i) => [part, i]));
  // Backends usually hand back one label-values array per series for all of its rows: key it once.
  const keys = new Map<readonly string[], string>();
  for (const sample of samples) {
    if (sample.labelValues.length !== family.labelNames.length) continue;
    let key: string | undefined;
    if (sample.extraLabels === undefined) {
      key = keys.get(sample.labelValues);
      if (key === undefined) {
        key = sampleKey(sample.labelValues, undefined);
        keys.set(sample.labelValues, key);
      }
    } else {
      key = sampleKey(sample.labelValues, sample.extraLabels);
    }
    let slot = slots.get(key);
    if (slot === undefined) {
      let labelText = renderLabelPairs(family.labelNames, sample.labelValues);
      if (sample.extraLabels !== undefined) {
        for (const [name, value] of Object.entries(sample.extraLabels)) {
          labelText += `${labelText === '' ? '' : ','}${name}="${escapeLabelValue(value)}"`;
        }
      }
      // Every series of this process is in `slots` already: this one only the backend knows.
      slot = { labelText, numbers: new Array<number>(step).fill(0), index: -1 };
      slots.set(key, slot);
    }
    const index = family.partNames === undefined ? 0 : partIndex.get(sample.histogramBucket ?? '');
    if (index !== undefined) slot.numbers[index] = sample.value;
  }
  const out: SeriesSnapshot[] = [];
  for (const slot of slots.values()) {
    out.push(snapshotOf(family, slot.labelText, slot.numbers, 0, family.exemplars?.get(slot.index)));
  }
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
