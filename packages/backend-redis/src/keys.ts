import type { MetricDescriptor } from '@pytheus/core/backend';

// The key layout (documented in the README). Every key of a metric carries the metric's name as a Redis Cluster
// hash tag, `{name}`, so that one metric lives in one hash slot and a Lua script can touch all of its keys.
// Metric names cannot contain braces and the key prefix is checked to have none, so the tag is always the name.

/** The keys of one metric. */
export interface MetricKeys {
  /** Hash of stored numbers: one field per series (and per bucket, sum or count). */
  readonly values: string;
  /** Set of the process ids that hold per-process gauge series of this metric. */
  readonly processes: string;
  /** Prefix of the per-process hashes: `processPrefix + processId`. */
  readonly processPrefix: string;
}

export function metricKeys(keyPrefix: string, metric: MetricDescriptor): MetricKeys {
  // The type is part of the key so that a metric redefined with another type does not read the old numbers.
  const base = `${keyPrefix}{${metric.name}}:${metric.type}`;
  return { values: `${base}:values`, processes: `${base}:processes`, processPrefix: `${base}:process:` };
}

/** The key that records which flush batch of a writer (one process) was applied last to a metric. */
export function ackKey(keys: MetricKeys, writerId: string): string {
  return `${keys.values}:ack:${writerId}`;
}

/**
 * The hash field of one stored number: the JSON of the label values (injective for any strings), then for
 * histograms and summaries `|` and the part (`0.5`, `+Inf`, `sum`, `count`). A part never contains `|`, so the
 * last `|` splits a field unambiguously.
 */
export function fieldOf(labelValues: readonly string[], part: string | undefined): string {
  const labels = JSON.stringify(labelValues);
  return part === undefined ? labels : `${labels}|${part}`;
}

/**
 * The inverse of {@link fieldOf}, or undefined for a field that this layout never writes. `seen` caches parsed
 * label lists by their JSON for one read: the parts of a series share one array, and the JSON is parsed once.
 */
export function parseField(
  field: string,
  hasPart: boolean,
  seen?: Map<string, string[] | null>,
): { labelValues: string[]; part: string | undefined } | undefined {
  let labels = field;
  let part: string | undefined;
  if (hasPart) {
    const bar = field.lastIndexOf('|');
    if (bar < 0) return undefined;
    labels = field.slice(0, bar);
    part = field.slice(bar + 1);
  }
  let labelValues = seen?.get(labels);
  if (labelValues === undefined) {
    labelValues = parseLabels(labels);
    seen?.set(labels, labelValues);
  }
  return labelValues === null ? undefined : { labelValues, part };
}

function parseLabels(json: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || !parsed.every((value) => typeof value === 'string')) return null;
  return parsed;
}

/** Numbers travel as text: JavaScript's shortest round-trip form, and `inf`, `-inf`, `nan` as Lua writes them. */
export function encodeNumber(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'nan';
  return value > 0 ? 'inf' : '-inf';
}

export function decodeNumber(text: string): number {
  switch (text) {
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
    case 'nan':
    case '-nan':
      return Number.NaN;
    default:
      return Number(text);
  }
}
