import { describeValue, InvalidValueError } from './errors.js';
import { type MetricOptions, ownMetricClass, TimedMetric } from './metric.js';
import { unexpectedArgument } from './options.js';

/** Options of {@link Summary}. */
export type SummaryOptions<L extends string = string> = MetricOptions<L>;

/**
 * The sum and count of observations, without buckets: the cheapest way to get an average rate such as mean
 * latency (`rate(x_sum[5m]) / rate(x_count[5m])`).
 *
 * @example
 * ```ts
 * const payload = new Summary('upload_size_bytes', 'Uploaded bytes', { unit: 'bytes' });
 * payload.observe(1024);
 * ```
 */
export class Summary<L extends string = string> extends TimedMetric<L> {
  constructor(name: string, description: string, options?: SummaryOptions<L>) {
    super('summary', name, description, options, { reservedLabels: ['quantile'] });
  }

  /**
   * Records one observation. NaN and non-numbers throw an {@link InvalidValueError} and change nothing. In
   * OpenMetrics a series whose sum is negative or NaN is shown without `_sum`, which OpenMetrics allows only as a
   * counter.
   */
  observe(value: number, unexpected?: never): void {
    const index = this._index;
    const family = this._family;
    // As in Counter.inc: tests, then straight-line writes. A second argument is refused as in Gauge.inc.
    if (index < 0 || typeof value !== 'number' || Number.isNaN(value) || unexpected !== undefined) {
      if (index < 0) throw this._missingLabels();
      if (typeof value === 'number' && !Number.isNaN(value)) {
        throw unexpectedArgument(`summary "${family.name}": observe()`, unexpected);
      }
      throw new InvalidValueError(
        `summary "${family.name}": observe() takes a number that is not NaN, got ${describeValue(value)}`,
      );
    }
    if (family.direct) {
      const numbers = family.numbers;
      numbers[index * 2]! += 1;
      numbers[index * 2 + 1]! += value;
    } else {
      family.write('inc', index * 2, 1);
      family.write('inc', index * 2 + 1, value);
    }
  }

  /** @internal */
  protected _recordDuration(seconds: number): void {
    this.observe(seconds);
  }
}

ownMetricClass(Summary);
