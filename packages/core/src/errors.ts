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

/** A second collector that exposes a name a registry already holds. */
export class DuplicateMetricError extends PytheusError {}

/** A backend that cannot be loaded or used: a bad class, a bad config, or a failed read. */
export class BackendError extends PytheusError {}

/** An exemplar that Prometheus would refuse (too long, bad labels, bad timestamp). */
export class ExemplarError extends PytheusError {}

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
