import { DEFAULT_BUCKETS, normalizeBuckets } from './buckets.js';
import { describeValue, InvalidValueError, type PytheusError } from './errors.js';
import { type ExemplarOptions, recordExemplar } from './exemplars.js';
import { type MetricOptions, ownMetricClass, TimedMetric } from './metric.js';

/** Options of {@link Histogram}. */
export interface HistogramOptions<L extends string = string> extends MetricOptions<L> {
  /** Upper bounds, strictly increasing; `+Inf` is added. Default: {@link DEFAULT_BUCKETS}. */
  buckets?: readonly number[];
}

/**
 * The `le` label value of a bucket bound, in OpenMetrics' canonical form (`0.25`, `1.0`, `+Inf`), used by both
 * text formats so that a series keeps one identity whichever format Prometheus scrapes.
 */
export function bucketLabel(bound: number): string {
  if (bound === Number.POSITIVE_INFINITY) return '+Inf';
  if (bound === Number.NEGATIVE_INFINITY) return '-Inf';
  const text = String(bound);
  return Number.isInteger(bound) && !text.includes('e') ? `${text}.0` : text;
}

/**
 * Counts observations (request durations, response sizes) in buckets, with their sum and count.
 *
 * @example
 * ```ts
 * const latency = new Histogram('http_request_duration_seconds', 'Request latency', { buckets: [0.1, 0.5, 1] });
 * latency.observe(0.42);
 * const timer = latency.time();
 * await work();
 * timer.stop();
 * ```
 */
export class Histogram<L extends string = string> extends TimedMetric<L> {
  constructor(name: string, description: string, options?: HistogramOptions<L>) {
    const buckets = normalizeBuckets(name, options?.buckets ?? DEFAULT_BUCKETS);
    super('histogram', name, description, options, {
      reservedLabels: ['le'],
      buckets,
      bucketLabel,
      optionKeys: ['buckets'],
    });
  }

  /** The bucket upper bounds, `+Inf` last. */
  get buckets(): readonly number[] {
    return this._family.buckets!;
  }

  /**
   * Records one observation. NaN and non-numbers throw an {@link InvalidValueError} and change nothing.
   * `options.exemplar` attaches an exemplar to the bucket the value falls in.
   *
   * Any number goes, negative ones and infinities included; in OpenMetrics a series whose sum is negative or NaN
   * is shown without `_sum` and `_count` (its `+Inf` bucket is the count), since OpenMetrics allows a histogram's
   * sum only as a counter.
   */
  observe(value: number, options?: ExemplarOptions): void {
    const index = this._index;
    const family = this._family;
    if (index < 0 || typeof value !== 'number' || Number.isNaN(value)) throw this._rejection(value);
    const bounds = family.buckets!;
    // `+Inf` is the last bound, so the scan always stops.
    let bucket = 0;
    while (value > bounds[bucket]!) bucket++;
    if (options !== undefined) recordExemplar(family, index, bucket, value, options);
    const width = family.width;
    const offset = index * width;
    // As in Counter.inc.
    if (family.direct) {
      const numbers = family.numbers;
      numbers[offset + bucket]! += 1;
      numbers[offset + width - 1]! += value;
    } else {
      family.write('inc', offset + bucket, 1);
      family.write('inc', offset + width - 1, value);
    }
  }

  private _rejection(value: unknown): PytheusError {
    if (this._index < 0) return this._missingLabels();
    return new InvalidValueError(
      `histogram "${this._family.name}": observe() takes a number that is not NaN, got ${describeValue(value)}`,
    );
  }

  /** @internal */
  protected _recordDuration(seconds: number): void {
    this.observe(seconds);
  }
}

ownMetricClass(Histogram);
