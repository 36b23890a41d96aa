import { collect, type MetricSnapshot } from './collect.js';
import { describeValue, PytheusError } from './errors.js';
import { escapeHelp, escapeOpenMetricsHelp, formatValue } from './escape.js';
import type { Exemplar } from './family.js';
import { type CollectorRegistry, getDefaultRegistry } from './registry.js';

/** The exposition formats: Prometheus text 0.0.4 and OpenMetrics 1.0 text. */
export type Format = 'prometheus' | 'openmetrics';

/** The `Content-Type` of each format. */
export const CONTENT_TYPES: Readonly<Record<Format, string>> = Object.freeze({
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
});

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
  options: GenerateOptions = {},
): Promise<string> {
  const format = options.format ?? 'prometheus';
  if (format !== 'prometheus' && format !== 'openmetrics') {
    throw new PytheusError(
      `generateMetrics: format must be "prometheus" or "openmetrics", got ${describeValue(format)}`,
    );
  }
  const snapshots = await collect(registry ?? getDefaultRegistry());
  return format === 'openmetrics' ? renderOpenMetrics(snapshots) : renderPrometheus(snapshots);
}

function braces(labelText: string): string {
  return labelText === '' ? '' : `{${labelText}}`;
}

function withLe(labelText: string, le: string): string {
  return labelText === '' ? `{le="${le}"}` : `{${labelText},le="${le}"}`;
}

/** The family name of a counter: its name without `_total` (OpenMetrics). */
function counterFamily(name: string): string {
  return name.endsWith('_total') ? name.slice(0, -6) : name;
}

/**
 * Prometheus text format 0.0.4. A counter's samples end in `_total` as in OpenMetrics (a counter created as
 * `jobs` is exposed as `jobs_total`), so that a series keeps its name whichever format Prometheus negotiates.
 */
export function renderPrometheus(snapshots: readonly MetricSnapshot[]): string {
  let out = '';
  for (const metric of snapshots) {
    const name = metric.type === 'counter' ? `${counterFamily(metric.name)}_total` : metric.name;
    out += `# HELP ${name} ${escapeHelp(metric.help)}\n# TYPE ${name} ${metric.type}\n`;
    if (metric.type === 'histogram') {
      const keys = metric.bucketKeys!;
      for (const series of metric.series) {
        const buckets = series.buckets!;
        for (let i = 0; i < keys.length; i++) {
          out += `${name}_bucket${withLe(series.labelText, keys[i]!)} ${formatValue(buckets[i]!)}\n`;
        }
        const labels = braces(series.labelText);
        out += `${name}_sum${labels} ${formatValue(series.sum!)}\n${name}_count${labels} ${formatValue(series.count!)}\n`;
      }
    } else if (metric.type === 'summary') {
      for (const series of metric.series) {
        const labels = braces(series.labelText);
        out += `${name}_sum${labels} ${formatValue(series.sum!)}\n${name}_count${labels} ${formatValue(series.count!)}\n`;
      }
    } else {
      for (const series of metric.series) {
        out += `${name}${braces(series.labelText)} ${formatValue(series.value)}\n`;
      }
    }
  }
  return out;
}

function exemplarText(exemplar: Exemplar | undefined): string {
  if (exemplar === undefined) return '';
  const timestamp = exemplar.timestamp === undefined ? '' : ` ${formatValue(exemplar.timestamp)}`;
  return ` # {${exemplar.labelText}} ${formatValue(exemplar.value)}${timestamp}`;
}

/**
 * OpenMetrics 1.0 text. A counter is the family without `_total` and the sample with it, whatever name the
 * user gave; nothing about the metric itself changes. Exemplars show on counters' `_total` and histograms'
 * `_bucket` samples. A histogram with a negative bucket bound has no `_sum`: OpenMetrics allows a sum only
 * where it can only grow.
 */
export function renderOpenMetrics(snapshots: readonly MetricSnapshot[]): string {
  let out = '';
  for (const metric of snapshots) {
    const family = metric.type === 'counter' ? counterFamily(metric.name) : metric.name;
    out += `# HELP ${family} ${escapeOpenMetricsHelp(metric.help)}\n# TYPE ${family} ${metric.type}\n`;
    if (metric.unit !== undefined) out += `# UNIT ${family} ${metric.unit}\n`;
    if (metric.type === 'counter') {
      for (const series of metric.series) {
        out += `${family}_total${braces(series.labelText)} ${formatValue(series.value)}${exemplarText(series.exemplars?.[0])}\n`;
      }
    } else if (metric.type === 'histogram') {
      const keys = metric.bucketKeys!;
      const withSum = !keys[0]!.startsWith('-');
      for (const series of metric.series) {
        const buckets = series.buckets!;
        const exemplars = series.exemplars;
        for (let i = 0; i < keys.length; i++) {
          out += `${family}_bucket${withLe(series.labelText, keys[i]!)} ${formatValue(buckets[i]!)}${exemplarText(exemplars?.[i])}\n`;
        }
        const labels = braces(series.labelText);
        out += `${family}_count${labels} ${formatValue(series.count!)}\n`;
        if (withSum) out += `${family}_sum${labels} ${formatValue(series.sum!)}\n`;
      }
    } else if (metric.type === 'summary') {
      for (const series of metric.series) {
        const labels = braces(series.labelText);
        out += `${family}_count${labels} ${formatValue(series.count!)}\n${family}_sum${labels} ${formatValue(series.sum!)}\n`;
      }
    } else {
      for (const series of metric.series) {
        out += `${family}${braces(series.labelText)} ${formatValue(series.value)}\n`;
      }
    }
  }
  return `${out}# EOF\n`;
}
