import { describeValue, InvalidNameError } from './errors.js';

/** What Prometheus accepts as a metric name. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** What Prometheus accepts as a label name (exemplar labels included). */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws unless `name` is a valid Prometheus metric name. `what` says where it came from, for the message. */
export function validateMetricName(name: unknown, what = 'metric name'): asserts name is string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    throw new InvalidNameError(
      `invalid ${what} ${describeValue(name)}: expected a string matching ${METRIC_NAME.source}`,
    );
  }
  if (name.startsWith('__')) {
    throw new InvalidNameError(`invalid ${what} "${name}": names starting with "__" belong to Prometheus`);
  }
}

/**
 * Whether `name` is a label name that any metric may use: Prometheus' label name rules, and not beginning with
 * `__`, which belongs to Prometheus itself. For backends that add labels of their own (a process label, say).
 */
export function isLabelName(name: unknown): name is string {
  return typeof name === 'string' && LABEL_NAME.test(name) && !name.startsWith('__');
}

/**
 * Throws unless `name` may label `metric`: Prometheus' label name rules, the `__` prefix reserved for Prometheus
 * itself, and the names a metric type keeps for its own samples (`le` on histograms, `quantile` on summaries).
 */
export function validateLabelName(metric: string, name: unknown, reserved: readonly string[] = []): void {
  if (typeof name !== 'string' || !LABEL_NAME.test(name)) {
    throw new InvalidNameError(
      `metric "${metric}": invalid label name ${describeValue(name)}: expected a string matching ${LABEL_NAME.source}`,
    );
  }
  if (name.startsWith('__')) {
    throw new InvalidNameError(
      `metric "${metric}": label name "${name}" is reserved: names starting with "__" belong to Prometheus`,
    );
  }
  if (reserved.includes(name)) {
    throw new InvalidNameError(
      `metric "${metric}": label name "${name}" is reserved for this metric type's own samples`,
    );
  }
}

/**
 * The family name of a counter: its name without a trailing `_total`. A counter is exposed as `<family>_total`
 * in both formats (OpenMetrics names the family without the suffix), so `x` and `x_total` are one counter.
 */
export function counterFamily(name: string): string {
  return name.endsWith('_total') ? name.slice(0, -6) : name;
}
