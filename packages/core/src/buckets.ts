import { describeValue, InvalidBucketsError } from './errors.js';

/** The default histogram buckets, in seconds: tuned for web request latency. `+Inf` is added on its own. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * `count` buckets from `start`, each `width` above the last: `linearBuckets(1, 2, 3)` is `[1, 3, 5]`.
 */
export function linearBuckets(start: number, width: number, count: number): number[] {
  if (!Number.isFinite(start))
    throw new InvalidBucketsError(`linearBuckets: start must be finite, got ${describeValue(start)}`);
  if (!(Number.isFinite(width) && width > 0)) {
    throw new InvalidBucketsError(
      `linearBuckets: width must be a positive number, got ${describeValue(width)}`,
    );
  }
  if (!(Number.isInteger(count) && count >= 1)) {
    throw new InvalidBucketsError(
      `linearBuckets: count must be a positive integer, got ${describeValue(count)}`,
    );
  }
  // Multiplying instead of adding keeps float error from piling up: 0.1 * 3 stays 0.30000000000000004 at worst.
  return Array.from({ length: count }, (_, i) => start + i * width);
}

/**
 * `count` buckets from `start`, each `factor` times the last: `exponentialBuckets(1, 10, 3)` is `[1, 10, 100]`.
 */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(Number.isFinite(start) && start > 0)) {
    throw new InvalidBucketsError(
      `exponentialBuckets: start must be a positive number, got ${describeValue(start)}`,
    );
  }
  if (!(Number.isFinite(factor) && factor > 1)) {
    throw new InvalidBucketsError(
      `exponentialBuckets: factor must be greater than 1, got ${describeValue(factor)}`,
    );
  }
  if (!(Number.isInteger(count) && count >= 1)) {
    throw new InvalidBucketsError(
      `exponentialBuckets: count must be a positive integer, got ${describeValue(count)}`,
    );
  }
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/** Checks user buckets and returns them ascending with `+Inf` last. */
export function normalizeBuckets(metric: string, buckets: unknown): number[] {
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new InvalidBucketsError(
      `histogram "${metric}": buckets must be a non-empty array of numbers, got ${describeValue(buckets)}`,
    );
  }
  const out: number[] = [];
  for (const bound of buckets) {
    if (typeof bound !== 'number' || Number.isNaN(bound)) {
      throw new InvalidBucketsError(`histogram "${metric}": bucket ${describeValue(bound)} is not a number`);
    }
    const last = out[out.length - 1];
    if (last !== undefined && bound <= last) {
      throw new InvalidBucketsError(
        `histogram "${metric}": buckets must be strictly increasing, but ${bound} follows ${last}${bound === last ? ' (duplicate)' : ''}`,
      );
    }
    out.push(bound);
  }
  if (out[out.length - 1] !== Number.POSITIVE_INFINITY) out.push(Number.POSITIVE_INFINITY);
  return out;
}
