import { collect, type MetricSnapshot } from './collect.js';
import { describeValue, InvalidArgumentError } from './errors.js';
import { escapeHelp, escapeOpenMetricsHelp, formatTimestamp, formatValue } from './escape.js';
import type { Exemplar } from './family.js';
import { counterFamily } from './names.js';
import type { Format } from './negotiate.js';
import { checkOptions } from './options.js';
import { type CollectorRegistry, getDefaultRegistry, isRegistry } from './registry.js';

/** Options of {@link generateMetrics}. */
export interface GenerateOptions {
  /** `'prometheus'` (default) or `'openmetrics'`. */
  format?: Format;
}

/**
 * Renders a registry (the default one when none is given) in Prometheus text format, or OpenMetrics.
 *
 * @example
 * ```ts
 * const text = await generateMetrics();
 * const openMetrics = await generateMetrics(registry, { format: 'openmetrics' });
 * ```
 */
export async function generateMetrics(
  registry?: CollectorRegistry,
  options?: GenerateOptions,
): Promise<string> {
  if (registry !== undefined && !isRegistry(registry)) {
    throw new InvalidArgumentError(
      `generateMetrics: registry must be a CollectorRegistry (or undefined for the default registry), got ${describeValue(registry)}`,
    );
  }
  checkOptions('generateMetrics', options, GENERATE_OPTIONS);
  const format = options?.format ?? 'prometheus';
  if (format !== 'prometheus' && format !== 'openmetrics') {
    throw new InvalidArgumentError(
      `generateMetrics: format must be "prometheus" or "openmetrics", got ${describeValue(format)}`,
    );
  }
  const snapshots = await collect(registry ?? getDefaultRegistry());
  return render(snapshots, format === 'openmetrics');
}

const GENERATE_OPTIONS = { known: ['format'] } as const;

function braces(labelText: string): string {
  return labelText === '' ? '' : `{${labelText}}`;
}

function withLe(labelText: string, le: string): string {
  return labelText === '' ? `{le="${le}"}` : `{${labelText},le="${le}"}`;
}

function exemplarText(exemplar: Exemplar | undefined): string {
  if (exemplar === undefined) return '';
  const timestamp = exemplar.timestamp === undefined ? '' : ` ${formatTimestamp(exemplar.timestamp)}`;
  return ` # {${exemplar.labelText}} ${formatValue(exemplar.value)}${timestamp}`;
}

// A histogram's or summary's `_sum` and `_count`, in the order each format customarily writes them. OpenMetrics
// allows a sum only as a counter: one that is negative or NaN is left out (and the caller decides about `_count`).
function sumAndCount(
  family: string,
  labelText: string,
  sum: number,
  count: number,
  openMetrics: boolean,
): string {
  const labels = braces(labelText);
  const countLine = `${family}_count${labels} ${formatValue(count)}\n`;
  if (openMetrics && !(sum >= 0)) return countLine;
  const sumLine = `${family}_sum${labels} ${formatValue(sum)}\n`;
  return openMetrics ? countLine + sumLine : sumLine + countLine;
}

/**
 * Renders snapshots as Prometheus text 0.0.4, or as OpenMetrics 1.0 text. The formats differ in a few places
 * only, each marked here:
 * - a counter: OpenMetrics names the family without `_total` and its sample with it; Prometheus text names both
 *   `<family>_total`. So a series keeps its name whichever format Prometheus negotiates, and a counter created as
 *   `jobs` is exposed as `jobs_total`. Nothing about the metric itself changes.
 * - OpenMetrics also escapes `"` in help texts, writes `# UNIT`, shows exemplars (on counters' `_total` and
 *   histograms' `_bucket` samples) and ends with `# EOF`.
 * - OpenMetrics allows a histogram's or summary's sum only as a counter, and a histogram's `_count` only with its
 *   `_sum`. So in OpenMetrics a histogram with a negative bucket bound (`-Inf` included) has neither, a histogram
 *   series whose sum is negative or NaN has neither, and a summary series whose sum is negative or NaN has its
 *   `_count` only. A histogram's count is its `+Inf` bucket, so nothing is lost but the sum. Prometheus text has
 *   no such rule and always writes both.
 */
function render(snapshots: readonly MetricSnapshot[], openMetrics: boolean): string {
  let out = '';
  for (const metric of snapshots) {
    const counter = metric.type === 'counter';
    const family = counter ? counterFamily(metric.name) : metric.name;
    const head = counter && !openMetrics ? `${family}_total` : family;
    const help = openMetrics ? escapeOpenMetricsHelp(metric.help) : escapeHelp(metric.help);
    out += `# HELP ${head} ${help}\n# TYPE ${head} ${metric.type}\n`;
    if (openMetrics && metric.unit !== undefined) out += `# UNIT ${family} ${metric.unit}\n`;
    if (metric.type === 'histogram') {
      const keys = metric.bucketKeys!;
      const negativeBuckets = keys[0]!.startsWith('-');
      for (const series of metric.series) {
        const buckets = series.buckets!;
        const exemplars = openMetrics ? series.exemplars : undefined;
        for (let i = 0; i < keys.length; i++) {
          out += `${family}_bucket${withLe(series.labelText, keys[i]!)} ${formatValue(buckets[i]!)}${exemplarText(exemplars?.[i])}\n`;
        }
        if (!openMetrics || (!negativeBuckets && series.sum! >= 0)) {
          out += sumAndCount(family, series.labelText, series.sum!, series.count!, openMetrics);
        }
      }
    } else if (metric.type === 'summary') {
      for (const series of metric.series) {
        out += sumAndCount(family, series.labelText, series.sum!, series.count!, openMetrics);
      }
    } else {
      const sample = counter ? `${family}_total` : family;
      for (const series of metric.series) {
        const exemplar = openMetrics && counter ? exemplarText(series.exemplars?.[0]) : '';
        out += `${sample}${braces(series.labelText)} ${formatValue(series.value)}${exemplar}\n`;
      }
    }
  }
  return openMetrics ? `${out}# EOF\n` : out;
}
