import { PytheusError } from '@pytheus/core';
import { describe, it } from 'vitest';
import { CHECKS, type Check } from './checks.js';
import { type AnyConformanceOptions, type BackendConformanceOptions, validateOptions } from './options.js';
import { CheckRun } from './run.js';

export type { BackendConformanceOptions, LoadContext } from './options.js';
export { ADVERSARIAL_PAIRS, ADVERSARIAL_VALUES } from './values.js';

/** The id and title of every check the kit has; which of them run depends on the options. */
export const CONFORMANCE_CHECKS: readonly { readonly id: string; readonly title: string }[] = CHECKS.map(
  ({ id, title }) => Object.freeze({ id, title }),
);

/** The outcome of one check, from {@link runBackendConformance}. */
export interface ConformanceResult {
  readonly id: string;
  readonly title: string;
  readonly passed: boolean;
  /** Why it failed: an assertion error with the expected and actual exposition, or what the backend threw. */
  readonly error?: unknown;
}

/** Options of {@link runBackendConformance} beyond the backend's. */
export interface RunOptions {
  /** Run only these checks (ids from {@link CONFORMANCE_CHECKS}). Default: every check that applies. */
  checks?: readonly string[];
}

// Namespaces must differ between runs, so that storage that outlives a run (a Redis server) never feeds one
// run's values into the next. Lowercase letters and digits keep them valid in metric names and key prefixes.
let runs = 0;
function newRunId(): string {
  runs++;
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}${runs}`;
}

function selectChecks(options: AnyConformanceOptions, only: readonly string[] | undefined): Check[] {
  if (only !== undefined) {
    const unknown = only.filter((id) => !CHECKS.some((check) => check.id === id));
    if (unknown.length > 0) {
      const known = CHECKS.map((check) => check.id).join(', ');
      throw new PytheusError(`backend conformance: unknown check ${unknown.join(', ')} (checks: ${known})`);
    }
  }
  return CHECKS.filter((check) => check.applies(options) && (only === undefined || only.includes(check.id)));
}

async function runCheck(check: Check, options: AnyConformanceOptions, namespace: string): Promise<void> {
  const run = new CheckRun(options, check.id, namespace);
  let failure: { error: unknown } | undefined;
  try {
    await check.run(run);
  } catch (error) {
    failure = { error };
  }
  try {
    await run.finish();
  } catch (error) {
    failure ??= { error };
  }
  if (failure !== undefined) throw failure.error;
}

/**
 * Registers the conformance suite as Vitest tests: one `describe` named after the backend, one `it` per check.
 * Call it at the top level of a test file. Checks load backends globally with `loadBackend`, so they run one
 * after another (do not wrap them in `describe.concurrent`); after each one the memory backend is loaded again.
 *
 * @example
 * ```ts
 * import { describeBackendConformance } from '@pytheus/backend-testkit';
 * import { SqliteBackend } from '../src/index.js';
 *
 * describeBackendConformance({
 *   name: 'SqliteBackend',
 *   load: ({ namespace }) => ({ backendClass: SqliteBackend, backendConfig: { file: dbFile, table: namespace } }),
 *   multiProcess: true,
 * });
 * ```
 */
export function describeBackendConformance<C>(options: BackendConformanceOptions<C>): void {
  validateOptions(options);
  const checks = selectChecks(options, undefined);
  const runId = newRunId();
  describe(`pytheus backend conformance: ${options.name}`, () => {
    checks.forEach((check, i) => {
      it(check.title, () => runCheck(check, options, `conformance_${runId}_${i}`), options.timeout);
    });
  });
}

/**
 * Runs the checks now and reports each one instead of failing: for tools, and for tests that show a broken
 * backend fails exactly the checks it should.
 *
 * @example
 * ```ts
 * const results = await runBackendConformance({ name: 'mine', load: () => ({ backendClass: Mine }) });
 * const failed = results.filter((result) => !result.passed).map((result) => result.id);
 * ```
 */
export async function runBackendConformance<C>(
  options: BackendConformanceOptions<C>,
  runOptions: RunOptions = {},
): Promise<ConformanceResult[]> {
  validateOptions(options);
  const checks = selectChecks(options, runOptions.checks);
  const runId = newRunId();
  const results: ConformanceResult[] = [];
  for (const [i, check] of checks.entries()) {
    try {
      await runCheck(check, options, `conformance_${runId}_${i}`);
      results.push({ id: check.id, title: check.title, passed: true });
    } catch (error) {
      results.push({ id: check.id, title: check.title, passed: false, error });
    }
  }
  return results;
}
