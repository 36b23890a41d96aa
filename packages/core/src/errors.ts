/**
 * Every error pytheus throws on purpose is a `PytheusError`, so callers can tell bad input from bugs:
 *
 * @example
 * ```ts
 * try {
 *   counter.inc(-1);
 * } catch (error) {
 *   if (error instanceof PytheusError) console.warn(error.message);
 * }
 * ```
 */
export class PytheusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A metric or label name that Prometheus would not accept, or that is reserved. */
export class InvalidNameError extends PytheusError {}

/** Labels that do not fit the metric: unknown, missing, not strings, or defaults that are not required labels. */
export class LabelError extends PytheusError {}

/** An observation on a metric (or partial child) whose labels are not all set yet. */
export class MissingLabelsError extends LabelError {
  constructor(
    message: string,
    /** The names of the labels that still need a value. */
    readonly missing: readonly string[],
  ) {
    super(message);
  }
}

/** A value a metric cannot take: a negative counter increment, a NaN observation, and so on. */
export class InvalidValueError extends PytheusError {}

/** Histogram buckets that are empty, unsorted, duplicated or not numbers. */
export class InvalidBucketsError extends PytheusError {}

/**
 * A metric or collector whose name (or a sample name it implies, such as `x_bucket` or `x_created`) is taken in a
 * registry, or in the exposition a scrape is writing.
 */
export class DuplicateMetricError extends PytheusError {}

/** A backend that cannot be loaded or used: a bad class, a bad config, or a failed read. */
export class BackendError extends PytheusError {}

/** An exemplar that Prometheus would refuse (too long, bad labels, bad timestamp). */
export class ExemplarError extends PytheusError {}

/**
 * An argument or option that a function does not take: an unknown option key (with a hint when it is a
 * prom-client name), an option or argument of the wrong type, such as a body to time that is not a function.
 */
export class InvalidArgumentError extends PytheusError {}

/**
 * A custom collector that failed a scrape: its `collect()` threw or returned something other than metrics, or it
 * yielded a metric that was created in a registry (a collector's metrics are created with `registry: null`).
 */
export class CollectorError extends PytheusError {}

/** The reason an error gives, for a message that wraps it: its message, or the thrown value as text. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Renders a value for an error message: strings quoted, everything else by its type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'undefined') return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
