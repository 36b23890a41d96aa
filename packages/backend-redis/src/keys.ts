import type { MetricDescriptor } from '@pytheus/core/backend';

// The key layout (documented in the README). Every key of a metric carries the metric's name as a Redis Cluster
// hash tag, `{name}`, so that one metric lives in one hash slot and a Lua script can touch all of its keys.
// Metric names cannot contain braces and the key prefix is checked to have none, so the tag is always the name.

/** The keys of one metric. */
export interface MetricKeys {
  /** Hash of the metric's series: one field per series, holding all of its numbers. */
  readonly values: string;
  /** Hash of the writers (one per process and metric) that applied batches to `values`: their last batch. */
  readonly writers: string;
  /** Set of the process ids that hold per-process series of this metric. */
  readonly processes: string;
  /** Prefix of the per-process hashes: `processPrefix + processId`. */
  readonly processPrefix: string;
}

/**
 * The field of `values` that names its generation: written when the hash is created, so it disappears with the
 * hash, and a writer that finds another generation (or none) than the one it wrote to knows that Redis lost what
 * it had sent. Series fields are JSON arrays and start with `[`; this one never does.
 */
export const GENERATION_FIELD = '~gen';

// FNV-1a, 32 bits: a short, stable name for a histogram's bucket layout.
function layoutName(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export function metricKeys(keyPrefix: string, metric: MetricDescriptor): MetricKeys {
  // The type is part of the key so that a metric redefined with another type does not read the old numbers; a
  // histogram's bucket layout too, since a series stores its buckets as one list.
  let base = `${keyPrefix}{${metric.name}}:${metric.type}`;
  if (metric.type === 'histogram') base += `:${layoutName((metric.buckets ?? []).map(String).join(','))}`;
  return {
    values: `${base}:values`,
    writers: `${base}:writers`,
    processes: `${base}:processes`,
    processPrefix: `${base}:process:`,
  };
}

/** The key that tells a process that the database it writes to was emptied (flushed, or restarted empty). */
export function epochKey(keyPrefix: string): string {
  return `${keyPrefix}{~epoch}`;
}

/**
 * The hash field of a series: the JSON of its label values, injective for any strings, and exactly the key that
 * core matches series by (`JSON.stringify(labelValues)`).
 */
export function fieldOf(labelValues: readonly string[]): string {
  return JSON.stringify(labelValues);
}

/** The label values of a field, or undefined for a field that this layout never writes. */
export function parseField(field: string): string[] | undefined {
  if (field.charCodeAt(0) !== 91 /* [ */) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(field);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  for (const value of parsed) if (typeof value !== 'string') return undefined;
  return parsed as string[];
}

/**
 * Numbers travel as text: JavaScript's shortest round-trip form (`-0` kept), and `inf`, `-inf`, `nan` as Lua
 * writes them. A series' numbers are one field, separated by spaces.
 */
export function encodeNumber(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
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
