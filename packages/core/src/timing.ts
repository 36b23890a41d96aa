// Timers and the function wrappers and method decorators built on them. Every form records in a `finally`:
// a body that throws or rejects is still timed, and an in-progress gauge still goes back down.
import { describeValue, InvalidArgumentError } from './errors.js';

// Timers and trackers are disposable (`using`). Declaring the symbol here, as TypeScript's esnext.disposable lib
// and @types/node do, keeps these types valid for a project whose `lib` stops at es2022: there `Symbol.dispose`
// is still a unique symbol (Node 20.19+, Bun and Deno define it at run time).
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/**
 * A running measurement: `stop()` ends it once and returns the seconds it took; disposing stops it, so it works
 * with `using`.
 *
 * @example
 * ```ts
 * {
 *   using _ = histogram.time();
 *   await handle(request);
 * } // observed here, even if handle() threw
 * ```
 */
export interface Timer {
  /** Ends the measurement and records it; later calls return the same duration and record nothing. */
  stop(): number;
  readonly stopped: boolean;
  [Symbol.dispose](): void;
}

// Looked up on each use rather than captured, so that test clocks which replace performance are honoured.
function now(): number {
  return ((globalThis as { performance?: { now(): number } }).performance ?? Date).now();
}

class RunningTimer implements Timer {
  private readonly start = now();
  private seconds: number | undefined = undefined;

  constructor(private readonly record: (seconds: number) => void) {}

  get stopped(): boolean {
    return this.seconds !== undefined;
  }

  stop(): number {
    if (this.seconds === undefined) {
      this.seconds = Math.max(0, (now() - this.start) / 1000);
      this.record(this.seconds);
    }
    return this.seconds;
  }

  [Symbol.dispose](): void {
    this.stop();
  }
}

/** Starts a timer that hands its duration in seconds to `record` when stopped. */
export function startTimer(record: (seconds: number) => void): Timer {
  return new RunningTimer(record);
}

/** A handle that undoes something once: `stop()` and dispose both run `end` the first time only. */
export class Tracker {
  private done = false;

  constructor(private readonly end: () => void) {}

  get stopped(): boolean {
    return this.done;
  }

  stop(): void {
    if (!this.done) {
      this.done = true;
      this.end();
    }
  }

  [Symbol.dispose](): void {
    this.stop();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Wraps `fn` so that every call runs between `begin()` and the returned handle's `stop()`, including calls that
 * throw, and for async functions until the promise settles.
 */
export function wrapWith<A extends unknown[], R, T>(
  fn: (this: T, ...args: A) => R,
  begin: () => { stop(): unknown },
): (this: T, ...args: A) => R {
  checkFunction('a function to wrap', fn);
  return function (this: T, ...args: A): R {
    const handle = begin();
    let result: R;
    try {
      result = fn.apply(this, args);
    } catch (error) {
      handle.stop();
      throw error;
    }
    if (isThenable(result)) {
      return result.then(
        (value) => {
          handle.stop();
          return value;
        },
        (error: unknown) => {
          handle.stop();
          throw error;
        },
      ) as R;
    }
    handle.stop();
    return result;
  };
}

/** A TC39 method decorator that wraps the method with `wrapWith(method, begin)`. */
export type MethodDecorator = <T, A extends unknown[], R>(
  method: (this: T, ...args: A) => R,
  context: ClassMethodDecoratorContext<T, (this: T, ...args: A) => R>,
) => (this: T, ...args: A) => R;

export function decorateWith(begin: () => { stop(): unknown }): MethodDecorator {
  return methodDecorator((method) => wrapWith(method, begin));
}

/** A TC39 method decorator that replaces the method with `wrap(method)`, and refuses anything but a method. */
export function methodDecorator(
  wrap: <T, A extends unknown[], R>(method: (this: T, ...args: A) => R) => (this: T, ...args: A) => R,
): MethodDecorator {
  return (method, context) => {
    if (context?.kind !== 'method') {
      throw new InvalidArgumentError(
        `pytheus decorators apply to class methods only (TC39 decorators; not TypeScript's experimentalDecorators), got ${context?.kind === undefined ? describeValue(context) : `a ${context.kind}`}`,
      );
    }
    return wrap(method);
  };
}

/** Error classes: `class X extends Error` and friends, matched with `instanceof`. */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/** Throws an {@link InvalidArgumentError} unless `fn` is a function; `what` names it for the message. */
export function checkFunction(what: string, fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`${what} takes a function, got ${describeValue(fn)}`);
  }
}

/**
 * Throws an {@link InvalidArgumentError} unless `errors` is a list of classes, before anything runs: an
 * `instanceof` against something else would throw a TypeError in place of the error being counted.
 */
export function checkErrorClasses(what: string, errors: unknown): void {
  if (!Array.isArray(errors)) {
    throw new InvalidArgumentError(
      `${what}: errors must be an array of error classes, got ${describeValue(errors)}`,
    );
  }
  errors.forEach((kind, i) => {
    if (typeof kind !== 'function') {
      throw new InvalidArgumentError(
        `${what}: errors[${i}] must be an error class such as TypeError, got ${describeValue(kind)}`,
      );
    }
  });
}

/**
 * Runs `body` now (and until its promise settles); calls `onError` if it throws or rejects with an error of one
 * of `errors` (any error when the list is empty), then rethrows.
 */
export function watchErrors<R>(body: () => R, errors: readonly ErrorClass[], onError: () => void): R {
  const matches = (error: unknown) => errors.length === 0 || errors.some((kind) => error instanceof kind);
  let result: R;
  try {
    result = body();
  } catch (error) {
    if (matches(error)) onError();
    throw error;
  }
  if (isThenable(result)) {
    return result.then(undefined, (error: unknown) => {
      if (matches(error)) onError();
      throw error;
    }) as R;
  }
  return result;
}
