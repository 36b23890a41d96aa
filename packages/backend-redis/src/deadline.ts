import type { BackendError } from '@pytheus/core/backend';

function noop(): void {}

/**
 * One time limit for a whole operation (a scrape, a flush, a close), however many steps it takes. The operation
 * races the limit, and checks it between its steps, so that work past the limit stops instead of running on.
 */
export class Deadline {
  private passed = false;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly expiry: Promise<never>;

  constructor(
    ms: number,
    /** The error the operation fails with at the limit. */
    private readonly error: () => BackendError,
  ) {
    let reject: (reason: unknown) => void = noop;
    this.expiry = new Promise<never>((_, fail) => {
      reject = fail;
    });
    this.expiry.catch(noop);
    this.timer = setTimeout(() => {
      this.passed = true;
      reject(this.error());
    }, ms);
  }

  /** Throws the operation's error once the limit has passed: called between steps. */
  check(): void {
    if (this.passed) throw this.error();
  }

  /** `work`'s result, or the deadline's error if the limit comes first; `work` is never left unhandled. */
  async race<T>(work: Promise<T>): Promise<T> {
    work.catch(noop);
    try {
      return await Promise.race([work, this.expiry]);
    } finally {
      clearTimeout(this.timer);
    }
  }
}
