import { describeValue, InvalidArgumentError } from './errors.js';

// The cardinality guard: a metric keeps at most `maxSeries` label sets. Past that, a new label set is not stored:
// it counts into one overflow series, so memory stays flat whatever values arrive, the exposition stays small,
// and the numbers stay true in sum (nothing counted is dropped, it is counted under the overflow label set).

/**
 * The value of every label of a metric's overflow series, the series that label sets past the metric's
 * `maxSeries` count into: `http_requests_total{route="__overflow__",method="__overflow__"}`.
 *
 * On the wire any string is a possible label value, so no marker can be one that a caller could never send. A
 * label set whose every value is this marker therefore *is* the overflow series: given explicitly, it counts
 * there too, and it is never two series. A label set with only some values equal to the marker is an ordinary
 * series.
 */
export const SERIES_OVERFLOW_VALUE = '__overflow__';

/** The counter that every registry with a limited metric exposes: label sets refused, by metric. */
export const SERIES_REFUSED_NAME = 'pytheus_series_refused_total';

/** Throws unless `value` is a series limit: an integer of at least 1, or `Infinity` for none. */
export function checkMaxSeries(where: string, value: unknown): asserts value is number {
  if (
    typeof value !== 'number' ||
    !(value >= 1) ||
    (value !== Number.POSITIVE_INFINITY && !Number.isInteger(value))
  ) {
    throw new InvalidArgumentError(
      `${where}: maxSeries must be an integer of at least 1 (or Infinity for no limit), got ${describeValue(value)}`,
    );
  }
}

/** Throws unless `hook` is undefined or a function. */
export function checkLimitHook(where: string, hook: unknown): void {
  if (hook !== undefined && typeof hook !== 'function') {
    throw new InvalidArgumentError(`${where}: onSeriesLimit must be a function, got ${describeValue(hook)}`);
  }
}

/**
 * The same guard for one label's values, for callers that build a label value from outside input (the HTTP
 * layer's route label): the first `max` distinct values pass, every later new value becomes
 * {@link SERIES_OVERFLOW_VALUE}. It keeps at most `max` values.
 *
 * @example
 * ```ts
 * const routes = new LabelValueLimit(200, () => console.warn('more than 200 routes'));
 * requests.labels({ route: routes.bound(template), method }).inc();
 * ```
 */
export class LabelValueLimit {
  private readonly seen = new Set<string>();
  private refusedCount = 0;

  constructor(
    /** How many distinct values pass. */
    readonly max: number,
    /** Called once, the first time a value is refused; errors it throws are ignored. */
    private readonly onLimit?: () => void,
  ) {
    checkMaxSeries('LabelValueLimit', max);
    if (onLimit !== undefined && typeof onLimit !== 'function') {
      throw new InvalidArgumentError(
        `LabelValueLimit: onLimit must be a function, got ${describeValue(onLimit)}`,
      );
    }
  }

  /** `value` if it is one of the first `max` distinct values seen, otherwise {@link SERIES_OVERFLOW_VALUE}. */
  bound(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size < this.max) {
      this.seen.add(value);
      return value;
    }
    if (this.refusedCount++ === 0) callQuietly(this.onLimit);
    return SERIES_OVERFLOW_VALUE;
  }

  /** How many times a value was refused. */
  get refused(): number {
    return this.refusedCount;
  }
}

/** Calls a user's hook; what it throws must not fail the write or `labels()` call that reached the limit. */
export function callQuietly<A extends unknown[]>(hook: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    hook?.(...args);
  } catch {
    // A warning hook that fails has nothing better to report to.
  }
}
