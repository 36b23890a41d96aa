import { describeValue, ExemplarError } from './errors.js';
import { renderLabelPairs } from './escape.js';
import type { Exemplar, Family } from './family.js';
import { LABEL_NAME } from './names.js';

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

// OpenMetrics caps an exemplar's label names and values together at 128 UTF-8 code points.
const MAX_EXEMPLAR_RUNES = 128;

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Validates an exemplar and stores it as the latest of series `index` of `family` at `slot` (0, or the histogram
 * bucket).
 */
export function recordExemplar(
  family: Family,
  index: number,
  slot: number,
  value: number,
  options: ExemplarOptions,
): void {
  const metric = family.name;
  const labels = options.exemplar;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new ExemplarError(
      `metric "${metric}": exemplar must be an object of labels, got ${describeValue(labels)}`,
    );
  }
  const names: string[] = [];
  const values: string[] = [];
  let runes = 0;
  for (const [name, labelValue] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name)) {
      throw new ExemplarError(`metric "${metric}": invalid exemplar label name ${describeValue(name)}`);
    }
    if (typeof labelValue !== 'string') {
      throw new ExemplarError(
        `metric "${metric}": exemplar label "${name}" must be a string, got ${describeValue(labelValue)}`,
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
  if (timestamp !== undefined && !(typeof timestamp === 'number' && Number.isFinite(timestamp))) {
    throw new ExemplarError(
      `metric "${metric}": exemplar timestamp must be a finite number of seconds, got ${describeValue(timestamp)}`,
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
