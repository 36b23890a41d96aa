// `@pytheus/core/backend`: what a backend author needs from core, and nothing an application needs. Applications
// import from `@pytheus/core`; backends (ours and third-party ones) implement the contract described here.
export type {
  Backend,
  BackendClass,
  BackendConfig,
  BackendHooks,
  BackendSample,
  InstanceBackendClass,
  LocalBackendClass,
  LocalNumbers,
  LocalNumbersHooks,
  MetricDescriptor,
  MetricType,
  MultiprocessMode,
  SeriesDescriptor,
} from './backend.js';
export { BackendError, describeValue, PytheusError } from './errors.js';
export { isLabelName } from './names.js';
