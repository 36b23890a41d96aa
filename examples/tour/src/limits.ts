// The tour, part 8: a cap on the series a metric keeps, for labels whose values come from outside.
import { CollectorRegistry, Counter, generateMetrics } from '@pytheus/core';

const warnings: string[] = [];
const log = { warn: (text: string) => warnings.push(text) };

// #region limits
const registry = new CollectorRegistry({
  maxSeries: 10_000, // the default for metrics created here
  onSeriesLimit: (metric) => log.warn(`${metric.name} reached its series limit`), // once per metric
});
const downloads = new Counter('downloads_total', 'Downloads by file.', {
  registry,
  requiredLabels: ['file'],
  maxSeries: 2, // this metric's own
});
for (const file of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) downloads.labels({ file }).inc();
// c.txt and d.txt count into downloads_total{file="__overflow__"}; pytheus_series_refused_total counts them.
// #endregion limits

console.log(await generateMetrics(registry));
console.log(warnings.join('\n'));
