import { describeValue, InvalidValueError, type PytheusError } from './errors.js';
import { type MetricOptions, ownMetricClass, TimedMetric } from './metric.js';
import { unexpectedArgument } from './options.js';
import { decorateWith, type MethodDecorator, Tracker, wrapWith } from './timing.js';

/**
 * Options of {@link Gauge}. Under a multi-process backend a gauge is `'shared'` by default (one value: the last
 * `set` wins, `inc`/`dec` add up); `multiprocessMode: 'perProcess'` keeps a series per process.
 */
export type GaugeOptions<L extends string = string> = MetricOptions<L>;

/**
 * A value that goes up and down: items in a queue, requests in flight, temperature.
 *
 * @example
 * ```ts
 * const inFlight = new Gauge('http_requests_in_flight', 'Requests being served');
 * using _ = inFlight.trackInprogress(); // +1 now, -1 when the scope ends
 * ```
 */
export class Gauge<L extends string = string> extends TimedMetric<L> {
  constructor(name: string, description: string, options?: GaugeOptions<L>) {
    super('gauge', name, description, options);
  }

  // Each write takes one argument. A second one (an exemplar, say: gauges have none) is refused rather than
  // ignored; the test is part of the one that catches bad input, so correct calls pay nothing for it.

  /** Adds `value` (default 1). */
  inc(value = 1, unexpected?: never): void {
    const index = this._index;
    const family = this._family;
    // As in Counter.inc: tests, then a straight-line write.
    if (index < 0 || typeof value !== 'number' || Number.isNaN(value) || unexpected !== undefined) {
      throw this._rejection('inc', value, unexpected);
    }
    if (family.direct) family.numbers[index]! += value;
    else family.write('inc', index, value);
  }

  /** Subtracts `value` (default 1). */
  dec(value = 1, unexpected?: never): void {
    const index = this._index;
    const family = this._family;
    if (index < 0 || typeof value !== 'number' || Number.isNaN(value) || unexpected !== undefined) {
      throw this._rejection('dec', value, unexpected);
    }
    if (family.direct) family.numbers[index]! -= value;
    else family.write('dec', index, value);
  }

  /** Sets the value. Any number goes, NaN and infinities included. */
  set(value: number, unexpected?: never): void {
    const index = this._index;
    const family = this._family;
    if (index < 0 || typeof value !== 'number' || unexpected !== undefined) {
      throw this._rejection('set', value, unexpected);
    }
    if (family.direct) family.numbers[index] = value;
    else family.write('set', index, value);
  }

  private _rejection(method: 'inc' | 'dec' | 'set', value: unknown, unexpected: unknown): PytheusError {
    if (this._index < 0) return this._missingLabels();
    if (typeof value === 'number' && !(method !== 'set' && Number.isNaN(value))) {
      return unexpectedArgument(`gauge "${this._family.name}": ${method}()`, unexpected);
    }
    return new InvalidValueError(
      `gauge "${this._family.name}": ${method}() takes a number${method === 'set' ? '' : ' that is not NaN'}, got ${describeValue(value)}`,
    );
  }

  /** Sets the value to the current Unix time in seconds. */
  setToCurrentTime(): void {
    this.set(Date.now() / 1000);
  }

  /** Adds one now and takes it away when the returned handle is stopped or disposed. */
  trackInprogress(): Tracker {
    this.inc();
    return new Tracker(() => this.dec());
  }

  /** Wraps `fn` (sync or async) so that the gauge counts the calls in progress. */
  trackInprogressFunction<A extends unknown[], R, T>(
    fn: (this: T, ...args: A) => R,
  ): (this: T, ...args: A) => R {
    this._requireLabels();
    return wrapWith(fn, () => this.trackInprogress());
  }

  /** A method decorator that counts the calls of the method in progress. */
  trackInprogressMethod(): MethodDecorator {
    this._requireLabels();
    return decorateWith(() => this.trackInprogress());
  }

  /** @internal */
  protected _recordDuration(seconds: number): void {
    this.set(seconds);
  }
}

ownMetricClass(Gauge);
