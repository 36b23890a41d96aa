export {
  type Backend,
  type BackendClass,
  type BackendConfig,
  type BackendHooks,
  type BackendSample,
  closeBackend,
  currentBackend,
  flushBackend,
  type InstanceBackendClass,
  type LoadBackendOptions,
  type LoadedBackend,
  type LocalBackendClass,
  type LocalNumbers,
  type LocalNumbersHooks,
  loadBackend,
  type MetricDescriptor,
  type MetricType,
  type MultiprocessMode,
  type SeriesDescriptor,
} from './backend.js';
export { DEFAULT_BUCKETS, exponentialBuckets, linearBuckets } from './buckets.js';
export { collect, type MetricSnapshot, type SeriesSnapshot } from './collect.js';
export { Counter, type CounterOptions } from './counter.js';
export {
  BackendError,
  DuplicateMetricError,
  ExemplarError,
  InvalidBucketsError,
  InvalidNameError,
  InvalidValueError,
  LabelError,
  MissingLabelsError,
  PytheusError,
} from './errors.js';
export type { ExemplarOptions } from './exemplars.js';
export {
  CONTENT_TYPES,
  type Format,
  type GenerateOptions,
  generateMetrics,
  renderOpenMetrics,
  renderPrometheus,
} from './exposition.js';
export { Gauge, type GaugeOptions } from './gauge.js';
export { Histogram, type HistogramOptions } from './histogram.js';
export { type LabelValues, Metric, type MetricOptions } from './metric.js';
export { type Negotiated, negotiate } from './negotiate.js';
export {
  type Collector,
  CollectorRegistry,
  type CollectResult,
  CustomCollector,
  getDefaultRegistry,
  type RegistryOptions,
  setDefaultRegistry,
} from './registry.js';
export { Summary, type SummaryOptions } from './summary.js';
export type { ErrorClass, MethodDecorator, Timer, Tracker } from './timing.js';
