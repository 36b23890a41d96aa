import { describeValue, ExemplarError } from './errors.js';
import { describeLoneSurrogate, loneSurrogateAt, renderLabelPairs } from './escape.js';
import type { Exemplar, Family } from './family.js';
import { isLabelName } from './names.js';
import { checkOptions } from './options.js';

/** The exemplar part of an observation's options. */
export interface ExemplarOptions {
  /**
   * Labels of an exemplar to attach to this observation, usually a trace id: `{ trace_id: 'a1b2' }`. Counters
   * keep the latest one per series, histograms the latest per bucket; only OpenMetrics output shows them.
   */
  exemplar?: Readonly<Record<string, string>>;
  /** When the exemplar was taken, in seconds since the epoch; omitted from the output when not given. */
  exemplarTimestamp?: number;
}

const MAX_TIMESTAMP = 1e15;

// Characters that OpenMetrics allows in an exemplar's label values but that scrapers get wrong there, so that an
// exemplar with one would fail or corrupt the scrape: Prometheus 2.42 refuses the whole scrape for a NUL and
// keeps the escapes of ", \ and line feed literally (`\"` arrives as backslash and quote); Python's strict parser
// ends the label set at the first }, quoted or not. Exemplar values are trace and span ids, which have none.
const UNREADABLE_IN_EXEMPLARS = /[\0"\\\n}]/;

// OpenMetrics caps an exemplar's label names and values together at 128 UTF-8 code points.
const MAX_EXEMPLAR_RUNES = 128;

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

const EXEMPLAR_OPTIONS = { known: ['exemplar', 'exemplarTimestamp'] } as const;

/**
 * Validates the options of an observation and stores their exemplar, if any, as the latest of series `index` of
 * `family` at `slot` (0, or the histogram bucket).
 */
export function recordExemplar(
  family: Family,
  index: number,
  slot: number,
  value: number,
  options: ExemplarOptions,
): void {
  const metric = family.name;
  checkOptions(
    `${family.type} "${metric}": ${family.type === 'counter' ? 'inc' : 'observe'}()`,
    options,
    EXEMPLAR_OPTIONS,
    ExemplarError,
  );
  const labels = options.exemplar;
  if (labels === undefined) {
    if (options.exemplarTimestamp !== undefined) {
      throw new ExemplarError(`metric "${metric}": exemplarTimestamp was given without an exemplar`);
    }
    return;
  }
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new ExemplarError(
      `metric "${metric}": exemplar must be an object of labels, got ${describeValue(labels)}`,
    );
  }
  const names: string[] = [];
  const values: string[] = [];
  let runes = 0;
  for (const [name, labelValue] of Object.entries(labels)) {
    if (!isLabelName(name)) {
      throw new ExemplarError(
        `metric "${metric}": invalid exemplar label name ${describeValue(name)}${(name as string).startsWith('__') ? ' (names starting with "__" belong to Prometheus)' : ''}`,
      );
    }
    if (typeof labelValue !== 'string') {
      throw new ExemplarError(
        `metric "${metric}": exemplar label "${name}" must be a string, got ${describeValue(labelValue)}`,
      );
    }
    const surrogate = loneSurrogateAt(labelValue);
    if (surrogate >= 0) {
      throw new ExemplarError(
        `metric "${metric}": exemplar label "${name}" ${describeLoneSurrogate(labelValue, surrogate)}`,
      );
    }
    const unreadable = UNREADABLE_IN_EXEMPLARS.exec(labelValue);
    if (unreadable !== null) {
      const char = unreadable[0];
      throw new ExemplarError(
        `metric "${metric}": exemplar label "${name}" has ${char === '\0' ? 'a NUL character' : JSON.stringify(char)} at index ${unreadable.index}, ${char === '\0' ? 'which Prometheus refuses in exemplars (the whole scrape fails)' : 'which scrapers misread in exemplars'}: exemplar values may not contain NUL, ", \\, a line feed or }`,
      );
    }
    runes += codePoints(name) + codePoints(labelValue);
    names.push(name);
    values.push(labelValue);
  }
  if (runes > MAX_EXEMPLAR_RUNES) {
    throw new ExemplarError(
      `metric "${metric}": exemplar labels are ${runes} characters long (names and values together); OpenMetrics allows at most ${MAX_EXEMPLAR_RUNES}`,
    );
  }
  const timestamp = options.exemplarTimestamp;
  // Seconds since the epoch, so not negative (Python's parser misreads those above -1); below what Prometheus
  // keeps as 64-bit milliseconds (about 9.2e15 seconds).
  if (
    timestamp !== undefined &&
    !(typeof timestamp === 'number' && timestamp >= 0 && timestamp < MAX_TIMESTAMP)
  ) {
    throw new ExemplarError(
      `metric "${metric}": exemplar timestamp must be a number of seconds since the epoch, from 0 to 1e15, got ${describeValue(timestamp)}`,
    );
  }
  const exemplar: Exemplar = { labelText: renderLabelPairs(names, values), value, timestamp };
  family.exemplars ??= new Map();
  let latest = family.exemplars.get(index);
  if (latest === undefined) {
    latest = [];
    family.exemplars.set(index, latest);
  }
  latest[slot] = exemplar;
}
