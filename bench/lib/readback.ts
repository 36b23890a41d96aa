// Reading values back after a case: proves each library counted, and consumes what the timed calls did.

import { type CollectorRegistry, generateMetrics } from '@pytheus/core';

/**
 * The sum of every counter or gauge value, or every histogram count, in a pytheus registry: read from its
 * exposition, as a user would, so that the read goes through the same scrape path as Prometheus'.
 */
export async function pytheusTotal(registry: CollectorRegistry): Promise<number> {
  const histograms = new Set<string>();
  let total = 0;
  for (const line of (await generateMetrics(registry)).split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (type === 'histogram') histograms.add(name!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (name.endsWith('_count') && histograms.has(name.slice(0, -6))) total += value;
    else if (!name.endsWith('_bucket') && !name.endsWith('_sum') && !name.endsWith('_count')) total += value;
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

/** Sample lines in a rendering (any library's): proves it rendered every series. */
export function sampleLines(text: string): number {
  let count = 0;
  for (const line of text.split('\n')) if (line !== '' && !line.startsWith('#')) count++;
  return count;
}
