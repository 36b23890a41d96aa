// Reading values back after a case: proves each library counted, and consumes what the timed calls did.

import { type CollectorRegistry, collect } from '@pytheus/core';

/** The sum of every counter or gauge value, or every histogram count, in a pytheus registry. */
export async function pytheusTotal(registry: CollectorRegistry): Promise<number> {
  let total = 0;
  for (const metric of await collect(registry)) {
    for (const series of metric.series) total += metric.type === 'histogram' ? series.count! : series.value;
  }
  return total;
}

/** The sum of the values an anchor metric's `get()` reports (for a histogram, pass `_count` as `sample`). */
export async function anchorTotal(
  metric: { get(): Promise<{ values: readonly { value: number; metricName?: string }[] }> },
  sample?: string,
): Promise<number> {
  let total = 0;
  for (const value of (await metric.get()).values) {
    if (sample === undefined || value.metricName?.endsWith(sample)) total += value.value;
  }
  return total;
}
