import { describeValue, InvalidValueError } from './errors.js';
import { type ExemplarOptions, recordExemplar } from './exemplars.js';
import { Metric, type MetricOptions, ownMetricClass } from './metric.js';
import {
  checkErrorClasses,
  checkFunction,
  type ErrorClass,
  type MethodDecorator,
  methodDecorator,
  watchErrors,
} from './timing.js';

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
    const index = this._index;
    const family = this._family;
    // The common case is a few tests and a straight-line add, which V8 compiles to a few instructions. Unusual
    // input (missing labels, a bad value, an exemplar) takes _incChecked; a family whose numbers are not known to
    // be in process (not bound yet, or on a backend that stores every number itself), family.write. (The order of
    // these branches was chosen by measuring: V8 compiles it tightest.)
    if (
      index < 0 ||
      options !== undefined ||
      typeof value !== 'number' ||
      !(value >= 0) ||
      value === Number.POSITIVE_INFINITY
    ) {
      this._incChecked(value, options);
    } else if (family.direct) {
      family.numbers[index]! += value;
    } else {
      family.write('inc', index, value);
    }
  }

  private _incChecked(value: number, options: ExemplarOptions | undefined): void {
    const index = this._index;
    const family = this._family;
    if (index < 0) throw this._missingLabels();
    if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
      throw new InvalidValueError(
        `counter "${family.name}": increment must be a finite number >= 0, got ${describeValue(value)}`,
      );
    }
    if (options !== undefined) recordExemplar(family, index, 0, value, options);
    family.write('inc', index, value);
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
    checkFunction(`counter "${this.name}": countExceptions()`, body);
    checkErrorClasses(`counter "${this.name}": countExceptions()`, errors);
    this._requireLabels();
    return watchErrors(body, errors, () => this.inc());
  }

  /** Wraps `fn` (sync or async) so that each call that throws or rejects counts one. */
  countExceptionsFunction<A extends unknown[], R, T>(
    fn: (this: T, ...args: A) => R,
    errors: readonly ErrorClass[] = [],
  ): (this: T, ...args: A) => R {
    checkFunction(`counter "${this.name}": countExceptionsFunction()`, fn);
    checkErrorClasses(`counter "${this.name}": countExceptionsFunction()`, errors);
    this._requireLabels();
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
    checkErrorClasses(`counter "${this.name}": countExceptionsMethod()`, errors);
    this._requireLabels();
    return methodDecorator((method) => this.countExceptionsFunction(method, errors));
  }
}

ownMetricClass(Counter);
