// The options every adapter takes, with the same names and meaning in Express, Fastify and Hono, and their checks.
import { describeValue, PytheusError } from '../errors.js';
import { isLabelName, LABEL_NAME, METRIC_NAME } from '../names.js';
import { CollectorRegistry } from '../registry.js';
import type { EndpointOptions } from './endpoint.js';
import { OWN_LABELS } from './labels.js';

/**
 * The buckets of `http_request_duration_seconds`, in seconds: those OpenTelemetry's HTTP semantic conventions
 * advise for `http.server.request.duration`.
 */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/** The buckets of the request and response size histograms, in bytes: 64 B to 16 MiB, by fours. */
export const HTTP_SIZE_BUCKETS: readonly number[] = Object.freeze([
  64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216,
]);

/** An option that the HTTP layer does not know, or a value it cannot take. */
export class HttpOptionsError extends PytheusError {}

/**
 * Options every adapter takes, with the same names and meaning in Express, Fastify and Hono. `Req` and `Res` are
 * the framework's own request and response (or context), handed to the hooks that compute labels.
 */
export interface HttpMetricsOptions<Req = unknown, Res = unknown> extends EndpointOptions {
  /** Where the metrics are served. Default `/metrics`; `false` serves them nowhere (expose them elsewhere). */
  metricsPath?: string | false;
  /** The registry the request metrics join and the endpoint exposes. Default: the default registry. */
  registry?: CollectorRegistry;
  /** Buckets of `http_request_duration_seconds`. Default {@link HTTP_DURATION_BUCKETS}. */
  buckets?: readonly number[];
  /** Put in front of every request metric's name, joined with `_`: `shop` gives `shop_http_requests_in_flight`. */
  prefix?: string;
  /** Paths not to time: exact strings, or RegExps tested against the path (no query). The metrics path never is. */
  ignorePaths?: readonly (string | RegExp)[];
  /**
   * More labels, declared up front by name, each computed from the request and the response when it is done:
   * `{ tenant: (req) => req.get('x-tenant') ?? 'none' }`. A value must come from a small set, as every label
   * must. A hook that throws, or returns something other than a string, gives `''`.
   */
  extraLabels?: Readonly<Record<string, (request: Req, response: Res) => string>>;
  /** Record `status_code` as its class (`2xx`, `4xx`) instead of the exact code. Default false. */
  groupStatusCodes?: boolean;
  /**
   * An exemplar for a request's duration (and its count, with `requestsTotal`), typically the current trace:
   * `() => ({ trace_id: currentTraceId() })`. Return undefined for none. Only OpenMetrics scrapes show them.
   */
  exemplar?: (request: Req, response: Res) => Readonly<Record<string, string>> | undefined;
  /** Also record `http_request_size_bytes` (from the request's `Content-Length`). Default false. */
  requestSize?: boolean;
  /** Also record `http_response_size_bytes` (the body bytes sent). Default false. */
  responseSize?: boolean;
  /** Buckets of the two size histograms. Default {@link HTTP_SIZE_BUCKETS}. */
  sizeBuckets?: readonly number[];
  /** Also count requests in `http_requests_total` (the duration histogram's `_count` has the same number). */
  requestsTotal?: boolean;
  /**
   * How many distinct `route` values to record; requests of further routes get {@link OVERFLOW_ROUTE}. A safety
   * net: route templates come from the application's code, so a normal application stays far below it.
   * Default 1000.
   */
  maxRoutes?: number;
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'metricsPath',
  'registry',
  'buckets',
  'prefix',
  'ignorePaths',
  'extraLabels',
  'groupStatusCodes',
  'authorize',
  'exemplar',
  'requestSize',
  'responseSize',
  'sizeBuckets',
  'requestsTotal',
  'maxRoutes',
  'scrapeTimeoutMs',
  'onError',
] satisfies (keyof HttpMetricsOptions)[]);

/** Throws an {@link HttpOptionsError} naming the option unless `options` are valid shared HTTP options. */
export function validateOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new HttpOptionsError(`HTTP metrics options must be an object, got ${describeValue(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!OPTION_NAMES.has(key)) {
      throw new HttpOptionsError(
        `unknown HTTP metrics option "${key}" (known options: ${[...OPTION_NAMES].join(', ')})`,
      );
    }
  }
  const fail = (key: string, expected: string): never => {
    throw new HttpOptionsError(
      `HTTP metrics option "${key}" must be ${expected}, got ${describeValue(given[key])}`,
    );
  };
  const { metricsPath, registry, prefix, ignorePaths, extraLabels, maxRoutes, scrapeTimeoutMs } = given;
  if (metricsPath !== undefined && metricsPath !== false) {
    if (typeof metricsPath !== 'string' || !metricsPath.startsWith('/') || /[?#]/.test(metricsPath)) {
      fail('metricsPath', 'a path starting with "/" (no query) or false');
    }
  }
  if (registry !== undefined && !(registry instanceof CollectorRegistry))
    fail('registry', 'a CollectorRegistry');
  if (prefix !== undefined && (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix)))) {
    fail('prefix', `a metric name prefix matching ${METRIC_NAME.source}`);
  }
  if (
    ignorePaths !== undefined &&
    (!Array.isArray(ignorePaths) ||
      !ignorePaths.every((path) => typeof path === 'string' || path instanceof RegExp))
  ) {
    fail('ignorePaths', 'an array of strings and RegExps');
  }
  if (extraLabels !== undefined) {
    if (typeof extraLabels !== 'object' || extraLabels === null || Array.isArray(extraLabels)) {
      fail('extraLabels', 'an object of label names to functions');
    }
    for (const [name, hook] of Object.entries(extraLabels as object)) {
      if (!isLabelName(name) || name === 'le' || OWN_LABELS.includes(name)) {
        throw new HttpOptionsError(
          `HTTP metrics option "extraLabels": ${JSON.stringify(name)} cannot be a label name here (it must match ${LABEL_NAME.source}, not start with "__", and not be le, method, route or status_code)`,
        );
      }
      if (typeof hook !== 'function') {
        throw new HttpOptionsError(
          `HTTP metrics option "extraLabels": label "${name}" must be a function of the request and response, got ${describeValue(hook)}`,
        );
      }
    }
  }
  for (const key of ['groupStatusCodes', 'requestSize', 'responseSize', 'requestsTotal']) {
    if (given[key] !== undefined && typeof given[key] !== 'boolean') fail(key, 'a boolean');
  }
  for (const key of ['authorize', 'exemplar', 'onError']) {
    if (given[key] !== undefined && typeof given[key] !== 'function') fail(key, 'a function');
  }
  for (const key of ['buckets', 'sizeBuckets']) {
    if (given[key] !== undefined && !Array.isArray(given[key])) fail(key, 'an array of numbers');
  }
  if (maxRoutes !== undefined && !(Number.isInteger(maxRoutes) && (maxRoutes as number) >= 1)) {
    fail('maxRoutes', 'a positive integer');
  }
  if (
    scrapeTimeoutMs !== undefined &&
    !(typeof scrapeTimeoutMs === 'number' && scrapeTimeoutMs > 0 && Number.isFinite(scrapeTimeoutMs))
  ) {
    fail('scrapeTimeoutMs', 'a positive number of milliseconds');
  }
}
