import { describeValue, InvalidBucketsError } from './errors.js';

/** The default histogram buckets, in seconds: tuned for web request latency. `+Inf` is added on its own. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * The most buckets a histogram takes (`+Inf` included). Each one is a stored number and an exposed sample of
 * every series, and far fewer are useful; the limit also keeps a bucket helper from being asked for billions.
 */
export const MAX_BUCKETS = 10_000;

function checkCount(helper: string, count: unknown): asserts count is number {
  if (!(Number.isInteger(count) && (count as number) >= 1 && (count as number) < MAX_BUCKETS)) {
    throw new InvalidBucketsError(
      `${helper}: count must be an integer from 1 to ${MAX_BUCKETS - 1} (a histogram has at most ${MAX_BUCKETS} buckets, +Inf included), got ${describeValue(count)}`,
    );
  }
}

// A helper's result must be finite and strictly increasing: huge starts or factors lose the difference between
// neighbours to rounding, or overflow to Infinity, and the histogram would then refuse them with less to go on.
function checkResult(helper: string, buckets: readonly number[]): number[] {
  for (let i = 0; i < buckets.length; i++) {
    const bound = buckets[i]!;
    if (!Number.isFinite(bound)) {
      throw new InvalidBucketsError(
        `${helper}: bucket ${i} would be ${bound}; ask for fewer or smaller buckets`,
      );
    }
    if (i > 0 && !(bound > buckets[i - 1]!)) {
      throw new InvalidBucketsError(
        `${helper}: buckets ${i - 1} and ${i} would both be ${bound} (floating-point precision); use a larger step`,
      );
    }
  }
  return buckets as number[];
}

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
  checkCount('linearBuckets', count);
  // Multiplying instead of adding keeps float error from piling up: 0.1 * 3 stays 0.30000000000000004 at worst.
  return checkResult(
    'linearBuckets',
    Array.from({ length: count }, (_, i) => start + i * width),
  );
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
  checkCount('exponentialBuckets', count);
  return checkResult(
    'exponentialBuckets',
    Array.from({ length: count }, (_, i) => start * factor ** i),
  );
}

/** Checks user buckets and returns them ascending with `+Inf` last. */
export function normalizeBuckets(metric: string, buckets: unknown): number[] {
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new InvalidBucketsError(
      `histogram "${metric}": buckets must be a non-empty array of numbers, got ${describeValue(buckets)}`,
    );
  }
  if (buckets.length > MAX_BUCKETS) {
    throw new InvalidBucketsError(
      `histogram "${metric}": ${buckets.length} buckets are too many (at most ${MAX_BUCKETS}, +Inf included)`,
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
  if (out[out.length - 1] !== Number.POSITIVE_INFINITY) {
    if (out.length === MAX_BUCKETS) {
      throw new InvalidBucketsError(
        `histogram "${metric}": ${out.length} buckets and +Inf are too many (at most ${MAX_BUCKETS}, +Inf included)`,
      );
    }
    out.push(Number.POSITIVE_INFINITY);
  }
  return out;
}
