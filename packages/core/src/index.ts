// `@pytheus/core`: what an application needs. Backend authors import the contract from `@pytheus/core/backend`;
// serving metrics over node:http is in `@pytheus/core/node`.
export {
  type BackendClass,
  type BackendConfig,
  closeBackend,
  currentBackend,
  flushBackend,
  type LoadBackendOptions,
  type LoadedBackend,
  loadBackend,
  type MetricType,
  type MultiprocessMode,
} from './backend.js';
export { DEFAULT_BUCKETS, exponentialBuckets, linearBuckets, MAX_BUCKETS } from './buckets.js';
export { Counter, type CounterOptions } from './counter.js';
export {
  BackendError,
  CollectorError,
  DuplicateMetricError,
  ExemplarError,
  InvalidArgumentError,
  InvalidBucketsError,
  InvalidNameError,
  InvalidValueError,
  LabelError,
  MissingLabelsError,
  PytheusError,
} from './errors.js';
export type { ExemplarOptions } from './exemplars.js';
export { type GenerateOptions, generateMetrics } from './exposition.js';
export { Gauge, type GaugeOptions } from './gauge.js';
export { Histogram, type HistogramOptions } from './histogram.js';
export { type LabelValues, Metric, type MetricOptions } from './metric.js';
export { type Format, type Negotiated, negotiate } from './negotiate.js';
export {
  type Collector,
  CollectorRegistry,
  type CollectResult,
  getDefaultRegistry,
  type RegistryOptions,
  setDefaultRegistry,
} from './registry.js';
export { LabelValueLimit, SERIES_OVERFLOW_VALUE, SERIES_REFUSED_NAME } from './series-limit.js';
export { Summary, type SummaryOptions } from './summary.js';
export type { ErrorClass, MethodDecorator, Timer, Tracker } from './timing.js';
