import { describeValue, InvalidArgumentError, type PytheusError } from './errors.js';

// Options objects are checked key by key, so that a typo (`bukets`) or a name from another library
// (prom-client's `labelNames`) is an error that says what to write instead, never an option silently ignored.

/** What to write instead of an option that another library (prom-client, Python's pytheus) names differently. */
const KNOWN_ELSEWHERE: Readonly<Record<string, string>> = {
  labelNames: 'requiredLabels (prom-client calls them labelNames)',
  required_labels: 'requiredLabels',
  default_labels: 'defaultLabels',
  name: 'the first argument (the name)',
  help: 'the second argument (the help text)',
  registers: 'registry: one registry, or null (prom-client takes a list named registers)',
  percentiles: 'a Histogram: a Summary here keeps its sum and count only, no quantiles',
  maxAgeSeconds: 'a Histogram: a Summary here keeps its sum and count only, no quantiles',
  ageBuckets: 'a Histogram: a Summary here keeps its sum and count only, no quantiles',
  pruneAgedBuckets: 'a Histogram: a Summary here keeps its sum and count only, no quantiles',
  compressCount: 'a Histogram: a Summary here keeps its sum and count only, no quantiles',
  collect: 'a custom collector: registry.register({ collect() { ... } })',
  aggregator: 'multiprocessMode (how a multi-process backend combines a gauge)',
  enableExemplars:
    'nothing: counters and histograms always take exemplars, inc(v, { exemplar }) and observe(v, { exemplar })',
  exemplars: 'exemplar (one object of labels)',
  timestamp: 'exemplarTimestamp',
};

/** Levenshtein distance, for "did you mean": options are short, so the quadratic table is tiny. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Options a caller may mean, and what to say about them where they do not apply. */
export interface OptionRules {
  /** The keys the function takes. */
  readonly known: readonly string[];
  /** Keys that other parts of pytheus take, and why they do not apply here (`buckets` on a counter). */
  readonly elsewhere?: Readonly<Record<string, string>>;
}

/**
 * Throws unless `options` is undefined or a plain object whose own keys are all in `rules.known`. `where` names
 * the function and metric for the message (`counter "jobs_total"`); `error` is the class to throw.
 */
export function checkOptions(
  where: string,
  options: unknown,
  rules: OptionRules,
  error: new (message: string) => PytheusError = InvalidArgumentError,
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new error(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (rules.known.includes(key)) continue;
    throw new error(`${where}: unknown option ${JSON.stringify(key)}${hintFor(key, rules)}`);
  }
}

function hintFor(key: string, rules: OptionRules): string {
  const here = rules.elsewhere?.[key];
  if (here !== undefined) return `: ${here}`;
  const elsewhere = Object.hasOwn(KNOWN_ELSEWHERE, key) ? KNOWN_ELSEWHERE[key] : undefined;
  if (elsewhere !== undefined) return `; use ${elsewhere}`;
  const close = rules.known.find((known) => distance(key.toLowerCase(), known.toLowerCase()) <= 2);
  if (close !== undefined) return `; did you mean "${close}"?`;
  return ` (options: ${rules.known.join(', ')})`;
}

/** The error for a second argument to a write that takes one; `where` names the metric and method. */
export function unexpectedArgument(where: string, unexpected: unknown): InvalidArgumentError {
  const exemplar =
    typeof unexpected === 'object' && unexpected !== null && 'exemplar' in unexpected
      ? ': only counters and histograms take exemplars'
      : '';
  return new InvalidArgumentError(
    `${where} takes one argument, got a second one (${describeValue(unexpected)})${exemplar}`,
  );
}
