import { describeValue, InvalidValueError } from './errors.js';
import { type ExemplarOptions, recordExemplar } from './exemplars.js';
import { Metric, type MetricOptions } from './metric.js';
import { type ErrorClass, type MethodDecorator, watchErrors } from './timing.js';

/** Options of {@link Counter}. */
export type CounterOptions<L extends string = string> = MetricOptions<L>;

/**
 * A value that only goes up (and starts again from zero when the process restarts): requests served, errors,
 * bytes sent.
 *
 * @example
 * ```ts
 * const requests = new Counter('http_requests_total', 'Requests served', { requiredLabels: ['method'] });
 * requests.labels({ method: 'GET' }).inc();
 * ```
 */
export class Counter<L extends string = string> extends Metric<L> {
  constructor(name: string, description: string, options?: CounterOptions<L>) {
    super('counter', name, description, options);
  }

  /**
   * Adds `value` (default 1). Negative, NaN and infinite increments throw an {@link InvalidValueError} and change
   * nothing. `options.exemplar` attaches an exemplar, shown in OpenMetrics output.
   */
  inc(value = 1, options?: ExemplarOptions): void {
    const series = this._series;
    if (series === null) throw this._missingLabels();
    if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
      throw new InvalidValueError(
        `counter "${this._family.name}": increment must be a finite number >= 0, got ${describeValue(value)}`,
      );
    }
    if (options?.exemplar !== undefined) recordExemplar(series, 0, value, options);
    (series.value ?? series.bindValue()).inc(value);
  }

  /**
   * Runs `body` now and counts one if it throws or rejects (only with an error of one of `errors`, when given),
   * then rethrows. Returns what `body` returns.
   *
   * @example
   * ```ts
   * const data = await failures.countExceptions(() => fetchData(), [TypeError]);
   * ```
   */
  countExceptions<R>(body: () => R, errors: readonly ErrorClass[] = []): R {
    if (this._series === null) throw this._missingLabels();
    return watchErrors(body, errors, () => this.inc());
  }

  /** Wraps `fn` (sync or async) so that each call that throws or rejects counts one. */
  countExceptionsFunction<A extends unknown[], R, T>(
    fn: (this: T, ...args: A) => R,
    errors: readonly ErrorClass[] = [],
  ): (this: T, ...args: A) => R {
    if (this._series === null) throw this._missingLabels();
    const counter = this;
    return function (this: T, ...args: A): R {
      return watchErrors(
        () => fn.apply(this, args),
        errors,
        () => counter.inc(),
      );
    };
  }

  /**
   * A method decorator: each call of the method that throws or rejects counts one.
   *
   * @example
   * ```ts
   * class Importer {
   *   @importFailures.countExceptionsMethod()
   *   async run() { ... }
   * }
   * ```
   */
  countExceptionsMethod(errors: readonly ErrorClass[] = []): MethodDecorator {
    return (method) => this.countExceptionsFunction(method, errors);
  }
}
