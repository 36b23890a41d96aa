// The HTTP layer every framework adapter shares: request metrics with bounded labels, and the metrics endpoint's
// answer. Web-standard only (no `node:*`), and built on core's public API alone, so that it runs wherever core runs
// and an adapter only translates its framework's request, route template, status and abort signal.
import {
  CollectorRegistry,
  Counter,
  DuplicateMetricError,
  Gauge,
  generateMetrics,
  getDefaultRegistry,
  Histogram,
  type Metric,
  negotiate,
  PytheusError,
} from './index.js';

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

/** The `route` of a request that matched no route (404s, scanners, a middleware that answered first). */
export const UNMATCHED_ROUTE = '<unmatched>';

/** The `route` of a request whose route template came after `maxRoutes` distinct ones. */
export const OVERFLOW_ROUTE = '<overflow>';

/** The `method` of a request whose method is not one of the standard ones (as OpenTelemetry does). */
export const OTHER_METHOD = '_OTHER';

/** The status recorded for a request whose client hung up before the response was complete (as nginx does). */
export const CLIENT_CLOSED_REQUEST = 499;

// RFC 9110's methods and PATCH (RFC 5789): OpenTelemetry's "known" methods. Index 9 is `_OTHER`.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
const METHOD_LABELS: readonly string[] = [...METHODS, OTHER_METHOD];
const OTHER_INDEX = METHODS.length;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NAME_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const OWN_LABELS = ['method', 'route', 'status_code'];

/** An option that the HTTP layer does not know, or a value it cannot take. */
export class HttpOptionsError extends PytheusError {}

/**
 * Options every adapter takes, with the same names and meaning in Express, Fastify and Hono. `Req` and `Res` are
 * the framework's own request and response (or context), handed to the hooks that compute labels.
 */
export interface HttpMetricsOptions<Req = unknown, Res = unknown> {
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
   * Decides who may read the metrics endpoint: return true to serve. A refusal answers 401 when the request
   * carried no `Authorization` header, else 403. A bearer token is one line:
   * `authorize: (request) => request.headers.get('authorization') === \`Bearer ${token}\``.
   */
  authorize?: (request: Request) => boolean | Promise<boolean>;
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
  /** How long a scrape may take before the endpoint gives up with a 503, in milliseconds. Default 10000. */
  scrapeTimeoutMs?: number;
  /**
   * Called with the error when the endpoint cannot read the metrics (a backend down, a collector that throws, a
   * timeout) or when `authorize` throws; the answer itself never reveals it. For logging.
   */
  onError?: (error: unknown) => void;
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

/** How a request ended, as the adapter saw it. */
export interface RequestOutcome {
  /** The route template with its full mount prefix (`/api/:tenant/items/:id`); undefined when none matched. */
  route: string | undefined;
  /** The status sent. Ignored when `aborted`. */
  statusCode: number;
  /** The client hung up before the response was complete: recorded as {@link CLIENT_CLOSED_REQUEST}. */
  aborted?: boolean;
  /** The request body's size in bytes, when known. */
  requestBytes?: number;
  /** The response body's size in bytes, when known. */
  responseBytes?: number;
}

/** What the metrics endpoint needs to know about a request to it. */
export interface ScrapeRequest {
  method: string;
  accept?: string | null | undefined;
  acceptEncoding?: string | null | undefined;
  /** The request as a web `Request`, for `authorize`; only called when there is an `authorize` hook. */
  request?: () => Request;
}

/** The metrics endpoint's answer, for the adapter to send as it is. */
export interface ScrapeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

// The instruments of one label tuple: what a finished request writes to.
interface SeriesSet {
  readonly duration: Histogram;
  readonly total: Counter | undefined;
  readonly requestSize: Histogram | undefined;
  readonly responseSize: Histogram | undefined;
}

/**
 * One request being timed. `finish` records it exactly once: a second call (a `close` after an abort) is ignored.
 */
export class RequestTimer<Req = unknown, Res = unknown> {
  private done = false;

  /** @internal */
  constructor(
    private readonly owner: HttpMetrics<Req, Res>,
    private readonly methodIndex: number,
    private readonly started: number,
    private readonly request: Req,
    private readonly response: Res,
  ) {}

  /** Records the request; returns false when it had been recorded already. */
  finish(outcome: RequestOutcome): boolean {
    if (this.done) return false;
    this.done = true;
    const seconds = (performance.now() - this.started) / 1000;
    this.owner._record(this.methodIndex, seconds, outcome, this.request, this.response);
    return true;
  }
}

/**
 * The request metrics of one application and its metrics endpoint, as {@link createHttpMetrics} made them.
 * Adapters call `start` when a request comes in and `finish` on its timer when it is done, and hand requests to
 * the metrics path to `scrape`.
 */
export class HttpMetrics<Req = unknown, Res = unknown> {
  /** The path the metrics are served on, or false. */
  readonly metricsPath: string | false;
  /** The registry the instruments are in. */
  readonly registry: CollectorRegistry;
  readonly duration: Histogram;
  readonly inFlight: Gauge;
  readonly total: Counter | undefined;
  readonly requestSize: Histogram | undefined;
  readonly responseSize: Histogram | undefined;

  private readonly ignoreExact: ReadonlySet<string>;
  private readonly ignorePatterns: readonly RegExp[];
  private readonly extraNames: readonly string[];
  private readonly extraHooks: readonly ((request: Req, response: Res) => string)[];
  private readonly exemplarHook: HttpMetricsOptions<Req, Res>['exemplar'];
  private readonly groupStatusCodes: boolean;
  private readonly maxRoutes: number;
  private readonly scrapeTimeoutMs: number;
  private readonly authorize: HttpMetricsOptions['authorize'];
  private readonly onError: HttpMetricsOptions['onError'];
  // Made at a method's first request, so that only methods in use are exposed.
  private readonly inFlightChildren: (Gauge | undefined)[];
  // Per method: route label -> status code -> the instruments of that tuple (without extra labels).
  private readonly series: Map<string, Map<number, SeriesSet>>[];
  // The route labels in use, at most maxRoutes: a template not among them once it is full is OVERFLOW_ROUTE.
  private readonly routes = new Set<string>();
  private readonly statusLabels = new Map<number, string>();

  /** @internal Use {@link createHttpMetrics}. */
  constructor(options: HttpMetricsOptions<Req, Res>) {
    validateOptions(options);
    this.metricsPath = options.metricsPath === undefined ? '/metrics' : options.metricsPath;
    this.registry = options.registry ?? getDefaultRegistry();
    const prefix = options.prefix ? `${options.prefix}_` : '';
    const extra = Object.entries(options.extraLabels ?? {});
    this.extraNames = extra.map(([name]) => name);
    this.extraHooks = extra.map(([, hook]) => hook);
    const labels = [...OWN_LABELS, ...this.extraNames];
    const sizeBuckets = options.sizeBuckets ?? HTTP_SIZE_BUCKETS;
    const specs: InstrumentSpec[] = [
      {
        type: 'histogram',
        name: `${prefix}http_request_duration_seconds`,
        help: 'Duration of HTTP server requests.',
        labels,
        buckets: options.buckets ?? HTTP_DURATION_BUCKETS,
        unit: 'seconds',
      },
      {
        type: 'gauge',
        name: `${prefix}http_requests_in_flight`,
        help: 'HTTP server requests being served.',
        labels: ['method'],
      },
    ];
    if (options.requestsTotal) {
      specs.push({
        type: 'counter',
        name: `${prefix}http_requests_total`,
        help: 'HTTP server requests served.',
        labels,
      });
    }
    for (const [wanted, name, help] of [
      [options.requestSize, 'request', 'Size of HTTP server request bodies.'],
      [options.responseSize, 'response', 'Size of HTTP server response bodies.'],
    ] as const) {
      if (wanted) {
        specs.push({
          type: 'histogram',
          name: `${prefix}http_${name}_size_bytes`,
          help,
          labels,
          buckets: sizeBuckets,
          unit: 'bytes',
        });
      }
    }
    const metrics = instruments(this.registry, specs);
    const byName = (name: string) => metrics[specs.findIndex((spec) => spec.name === `${prefix}${name}`)];
    this.duration = metrics[0] as Histogram;
    this.inFlight = metrics[1] as Gauge;
    this.total = byName('http_requests_total') as Counter | undefined;
    this.requestSize = byName('http_request_size_bytes') as Histogram | undefined;
    this.responseSize = byName('http_response_size_bytes') as Histogram | undefined;
    const ignored = options.ignorePaths ?? [];
    this.ignoreExact = new Set(ignored.filter((path): path is string => typeof path === 'string'));
    // Without the g and y flags a RegExp keeps no state between tests.
    this.ignorePatterns = ignored
      .filter((path): path is RegExp => path instanceof RegExp)
      .map((pattern) => new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')));
    this.exemplarHook = options.exemplar;
    this.groupStatusCodes = options.groupStatusCodes ?? false;
    this.maxRoutes = options.maxRoutes ?? 1000;
    this.scrapeTimeoutMs = options.scrapeTimeoutMs ?? 10_000;
    this.authorize = options.authorize as HttpMetricsOptions['authorize'];
    this.onError = options.onError;
    this.inFlightChildren = METHOD_LABELS.map(() => undefined);
    this.series = METHOD_LABELS.map(() => new Map());
  }

  /**
   * Whether a request to `path` (without the query) is left untimed: the metrics path, and `ignorePaths`.
   */
  ignores(path: string): boolean {
    if (path === this.metricsPath) return true;
    // Without ignorePaths (the common case) no lookup hashes the path.
    if (this.ignoreExact.size !== 0 && this.ignoreExact.has(path)) return true;
    for (const pattern of this.ignorePatterns) if (pattern.test(path)) return true;
    return false;
  }

  /** Starts timing a request: counts it in flight under its method until its timer finishes. */
  start(method: string, request: Req, response: Res): RequestTimer<Req, Res> {
    const index = methodIndex(method);
    let inFlight = this.inFlightChildren[index];
    if (inFlight === undefined) {
      inFlight = this.inFlight.labels({ method: METHOD_LABELS[index]! });
      this.inFlightChildren[index] = inFlight;
    }
    inFlight.inc();
    return new RequestTimer(this, index, performance.now(), request, response);
  }

  /** The `method` label of an HTTP method: itself if standard, else {@link OTHER_METHOD}. */
  methodLabel(method: string): string {
    return METHOD_LABELS[methodIndex(method)]!;
  }

  /**
   * The `route` label of a route template: the template; {@link UNMATCHED_ROUTE} for none;
   * {@link OVERFLOW_ROUTE} for a template first seen after `maxRoutes` others.
   */
  routeLabel(template: string | undefined): string {
    if (template === undefined) return UNMATCHED_ROUTE;
    if (this.routes.has(template)) return template;
    if (this.routes.size >= this.maxRoutes) return OVERFLOW_ROUTE;
    this.routes.add(template);
    return template;
  }

  /** The `status_code` label of a status: the code, or its class (`4xx`) with `groupStatusCodes`. */
  statusLabel(statusCode: number): string {
    let label = this.statusLabels.get(statusCode);
    if (label === undefined) {
      const valid = Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 999;
      label = !valid ? '0' : this.groupStatusCodes ? `${Math.floor(statusCode / 100)}xx` : String(statusCode);
      if (this.statusLabels.size < 1000) this.statusLabels.set(statusCode, label);
    }
    return label;
  }

  /** @internal Records one finished request; called once per timer. */
  _record(index: number, seconds: number, outcome: RequestOutcome, request: Req, response: Res): void {
    this.inFlightChildren[index]!.dec();
    const statusCode = outcome.aborted ? CLIENT_CLOSED_REQUEST : outcome.statusCode;
    const set =
      this.extraNames.length === 0
        ? this.cachedSeries(index, this.routeLabel(outcome.route), statusCode)
        : this.labelledSeries(index, this.routeLabel(outcome.route), statusCode, request, response);
    let exemplar: Readonly<Record<string, string>> | undefined;
    if (this.exemplarHook !== undefined) {
      try {
        exemplar = this.exemplarHook(request, response);
      } catch {
        exemplar = undefined;
      }
    }
    if (exemplar === undefined) {
      set.duration.observe(seconds);
      set.total?.inc();
    } else {
      // An exemplar Prometheus would refuse is dropped, never the observation.
      observeWithExemplar(set.duration, seconds, exemplar);
      if (set.total !== undefined) incWithExemplar(set.total, exemplar);
    }
    const { requestBytes, responseBytes } = outcome;
    if (set.requestSize !== undefined && isSize(requestBytes)) set.requestSize.observe(requestBytes);
    if (set.responseSize !== undefined && isSize(responseBytes)) set.responseSize.observe(responseBytes);
  }

  private cachedSeries(index: number, route: string, statusCode: number): SeriesSet {
    const byRoute = this.series[index]!;
    let byStatus = byRoute.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      byRoute.set(route, byStatus);
    }
    let set = byStatus.get(statusCode);
    if (set === undefined) {
      set = this.seriesFor({
        method: METHOD_LABELS[index]!,
        route,
        status_code: this.statusLabel(statusCode),
      });
      byStatus.set(statusCode, set);
    }
    return set;
  }

  private labelledSeries(
    index: number,
    route: string,
    statusCode: number,
    request: Req,
    response: Res,
  ): SeriesSet {
    const labels: Record<string, string> = {
      method: METHOD_LABELS[index]!,
      route,
      status_code: this.statusLabel(statusCode),
    };
    for (let i = 0; i < this.extraNames.length; i++) {
      let value: unknown;
      try {
        value = this.extraHooks[i]!(request, response);
      } catch {
        value = '';
      }
      labels[this.extraNames[i]!] = typeof value === 'string' ? value : '';
    }
    return this.seriesFor(labels);
  }

  private seriesFor(labels: Record<string, string>): SeriesSet {
    return {
      duration: this.duration.labels(labels),
      total: this.total?.labels(labels),
      requestSize: this.requestSize?.labels(labels),
      responseSize: this.responseSize?.labels(labels),
    };
  }

  /**
   * The metrics endpoint's answer to a request: `GET` and `HEAD` get the exposition in the format `Accept` asks
   * for (Prometheus text or OpenMetrics, with its exact content type), gzipped when `Accept-Encoding` allows it
   * and the runtime has `CompressionStream`; other methods 405; a refusal of `authorize` 401 or 403; metrics
   * that cannot be read within `scrapeTimeoutMs` (a backend down) 503 with a body that reveals nothing. It never
   * rejects.
   */
  async scrape(scrape: ScrapeRequest): Promise<ScrapeAnswer> {
    const method = scrape.method;
    if (method !== 'GET' && method !== 'HEAD') {
      return plain(405, 'method not allowed\n', { allow: 'GET, HEAD' });
    }
    if (this.authorize !== undefined) {
      const request = scrape.request?.();
      let allowed = false;
      try {
        allowed = request !== undefined && (await this.authorize(request)) === true;
      } catch (error) {
        this.report(error);
      }
      if (!allowed) {
        return request?.headers.has('authorization')
          ? plain(403, 'forbidden\n')
          : plain(401, 'unauthorized\n', {
              'www-authenticate': 'Basic realm="metrics", Bearer realm="metrics"',
            });
      }
    }
    const { format, contentType } = negotiate(scrape.accept ?? undefined);
    let text: string;
    try {
      text = await withTimeout(generateMetrics(this.registry, { format }), this.scrapeTimeoutMs);
    } catch (error) {
      this.report(error);
      return plain(503, 'metrics unavailable\n', { 'retry-after': '1' });
    }
    let body: Uint8Array = ENCODER.encode(text);
    const headers: Record<string, string> = { 'content-type': contentType, vary: 'Accept, Accept-Encoding' };
    if (acceptsGzip(scrape.acceptEncoding) && typeof CompressionStream === 'function') {
      body = await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.byteLength);
    return { status: 200, headers, body: method === 'HEAD' ? '' : body };
  }

  private report(error: unknown): void {
    try {
      this.onError?.(error);
    } catch {
      // A logging hook that throws must not turn a 503 into a crash.
    }
  }
}

/**
 * Validates the shared options, registers the request metrics in the registry (or reuses those an earlier app
 * registered with the same options), and returns what an adapter needs: `start`/`finish` per request, the
 * label rules, `ignores(path)` and `scrape()` for the metrics endpoint. Unknown option keys and bad values throw
 * an {@link HttpOptionsError}; the same metric names with other labels or buckets a `DuplicateMetricError`.
 *
 * @example
 * ```ts
 * const http = createHttpMetrics({ ignorePaths: ['/health'] });
 * const timer = http.start(request.method, request, response);
 * // ... when the response is done:
 * timer.finish({ route: '/users/:id', statusCode: 200 });
 * ```
 */
export function createHttpMetrics<Req = unknown, Res = unknown>(
  options: HttpMetricsOptions<Req, Res> = {},
): HttpMetrics<Req, Res> {
  return new HttpMetrics(options);
}

function methodIndex(method: string): number {
  // Most requests are GETs: one comparison, then a short scan of the standard methods.
  if (method === 'GET') return 0;
  const index = (METHODS as readonly string[]).indexOf(method);
  return index < 0 ? OTHER_INDEX : index;
}

function isSize(value: number | undefined): value is number {
  return typeof value === 'number' && value >= 0 && Number.isFinite(value);
}

function observeWithExemplar(
  histogram: Histogram,
  value: number,
  exemplar: Readonly<Record<string, string>>,
) {
  try {
    histogram.observe(value, { exemplar });
  } catch {
    histogram.observe(value);
  }
}

function incWithExemplar(counter: Counter, exemplar: Readonly<Record<string, string>>) {
  try {
    counter.inc(1, { exemplar });
  } catch {
    counter.inc();
  }
}

// One request metric as the options ask for it.
interface InstrumentSpec {
  readonly type: 'histogram' | 'gauge' | 'counter';
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
  readonly unit?: string;
}

// Finds the metric a previous app registered under the spec's name in the same registry, if any, and checks that it
// is the same metric; throws a DuplicateMetricError naming the difference otherwise.
function registered(registry: CollectorRegistry, spec: InstrumentSpec): Metric | undefined {
  const exposed = registry.exposedName(spec.name);
  // A throwaway metric in no registry validates the name, labels and buckets (and normalizes the buckets).
  const wanted = create(spec, null);
  const metric = registry.get(exposed);
  if (metric === undefined) return undefined;
  let problem: string | undefined;
  if (metric.type !== spec.type) problem = `it is a ${metric.type}, not a ${spec.type}`;
  else if (metric.labelNames.join() !== wanted.labelNames.join()) {
    problem = `its labels are [${list(metric.labelNames)}]; this app asks for [${list(wanted.labelNames)}]`;
  } else if (metric.description !== spec.help)
    problem = `its help text is ${JSON.stringify(metric.description)}`;
  else if (spec.type === 'histogram') {
    const have = (metric as Histogram).buckets;
    const want = (wanted as Histogram).buckets;
    if (have.length !== want.length || have.some((bound, i) => bound !== want[i])) {
      problem = `its buckets are [${list(have)}]; this app asks for [${list(want)}]`;
    }
  }
  if (problem !== undefined) {
    throw new DuplicateMetricError(
      `metric "${exposed}" is already registered and is not the request metric these options describe: ${problem} (give every app of the process the same options, or another registry or prefix)`,
    );
  }
  return metric;
}

function create(spec: InstrumentSpec, registry: CollectorRegistry | null): Metric {
  const { name, help, labels, buckets, unit } = spec;
  // Per process on a multi-process backend: a process that dies with requests in flight takes its count with it
  // (its series expires) instead of leaving it in a shared value for good.
  if (spec.type === 'gauge') {
    return new Gauge(name, help, { requiredLabels: labels, registry, multiprocessMode: 'perProcess' });
  }
  if (spec.type === 'counter') return new Counter(name, help, { requiredLabels: labels, registry });
  return new Histogram(name, help, { requiredLabels: labels, buckets, registry, unit });
}

// Every spec is checked before anything is created, so a refused configuration leaves the registry as it was.
function instruments(registry: CollectorRegistry, specs: readonly InstrumentSpec[]): Metric[] {
  const found = specs.map((spec) => registered(registry, spec));
  return specs.map((spec, i) => found[i] ?? create(spec, registry));
}

function list(values: readonly (string | number)[]): string {
  return values
    .map((value) => (typeof value === 'string' ? JSON.stringify(value) : String(value)))
    .join(', ');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function validateOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new HttpOptionsError(`HTTP metrics options must be an object, got ${describe(options)}`);
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
      `HTTP metrics option "${key}" must be ${expected}, got ${describe(given[key])}`,
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
  if (prefix !== undefined && (typeof prefix !== 'string' || (prefix !== '' && !NAME_PREFIX.test(prefix)))) {
    fail('prefix', `a metric name prefix matching ${NAME_PREFIX.source}`);
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
      if (!LABEL_NAME.test(name) || name.startsWith('__') || name === 'le' || OWN_LABELS.includes(name)) {
        throw new HttpOptionsError(
          `HTTP metrics option "extraLabels": ${JSON.stringify(name)} cannot be a label name here (it must match ${LABEL_NAME.source}, not start with "__", and not be le, method, route or status_code)`,
        );
      }
      if (typeof hook !== 'function') {
        throw new HttpOptionsError(
          `HTTP metrics option "extraLabels": label "${name}" must be a function of the request and response, got ${describe(hook)}`,
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

const ENCODER = new TextEncoder();

function plain(status: number, text: string, extra: Record<string, string> = {}): ScrapeAnswer {
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(ENCODER.encode(text).byteLength),
      ...extra,
    },
    body: text,
  };
}

/** The scrape timed out: the error `onError` receives. */
export class ScrapeTimeoutError extends PytheusError {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ScrapeTimeoutError(`reading the metrics took longer than ${ms} ms`)),
      ms,
    );
  });
  // A scrape that fails after the timeout has nobody waiting for it: keep its rejection from going unhandled.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether an Accept-Encoding header (RFC 9110, section 12.5.3) allows gzip: named, or `*`, with a non-zero q. */
export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  if (typeof acceptEncoding !== 'string') return false;
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const element of acceptEncoding.split(',')) {
    const [coding = '', ...params] = element.split(';');
    const name = coding.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (key.trim().toLowerCase() === 'q') q = Number(value.trim());
    }
    if (Number.isNaN(q)) continue;
    if (name === 'gzip' || name === 'x-gzip') gzipQ = q;
    else if (name === '*') anyQ = q;
  }
  return (gzipQ ?? anyQ ?? 0) > 0;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
