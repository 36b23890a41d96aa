// The request metrics of an application: instruments registered once per registry and options, a timer per request
// that records exactly once, and the bounded labels.
import { Counter } from '../counter.js';
import { DuplicateMetricError } from '../errors.js';
import { Gauge } from '../gauge.js';
import { Histogram } from '../histogram.js';
import type { Metric } from '../metric.js';
import { type CollectorRegistry, getDefaultRegistry } from '../registry.js';
import { answerScrape, type EndpointOptions, type ScrapeAnswer, type ScrapeRequest } from './endpoint.js';
import {
  CLIENT_CLOSED_REQUEST,
  METHOD_LABELS,
  methodIndex,
  OVERFLOW_ROUTE,
  OWN_LABELS,
  UNMATCHED_ROUTE,
} from './labels.js';
import {
  HTTP_DURATION_BUCKETS,
  HTTP_SIZE_BUCKETS,
  type HttpMetricsOptions,
  validateOptions,
} from './options.js';

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

// A route label, and per method index the instruments of each status code it was recorded with.
interface RouteSeries {
  readonly route: string;
  readonly byMethod: (Map<number, SeriesSet> | undefined)[];
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
    private counted: boolean,
  ) {}

  /**
   * Counts the request in flight from now until it finishes, if `start` was told not to: for a request that is
   * still going on when the adapter's synchronous part returns. Does nothing if it is counted or finished.
   */
  pending(): void {
    if (this.counted || this.done) return;
    this.counted = true;
    this.owner._pending(this.methodIndex);
  }

  /** Records the request; returns false when it had been recorded already. */
  finish(outcome: RequestOutcome): boolean {
    if (this.done) return false;
    this.done = true;
    const seconds = (performance.now() - this.started) / 1000;
    this.owner._record(this.methodIndex, this.counted, seconds, outcome, this.request, this.response);
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
  private readonly endpoint: EndpointOptions;
  // Made at a method's first request, so that only methods in use are exposed.
  private readonly inFlightChildren: (Gauge | undefined)[];
  // The route labels in use, at most maxRoutes (a template not among them once it is full is OVERFLOW_ROUTE),
  // each with the instruments of its label tuples (without extra labels): one lookup per finished request.
  private readonly routes = new Map<string, RouteSeries>();
  private routeCount = 0;
  private readonly statusLabels = new Map<number, string>();
  // The label tuple `cachedSeries` found last (index -1: none yet), and its instruments.
  private lastTemplate: string | undefined = undefined;
  private lastIndex = -1;
  private lastStatus = 0;
  private lastSet: SeriesSet | undefined = undefined;

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
    this.endpoint = {
      authorize: options.authorize,
      scrapeTimeoutMs: options.scrapeTimeoutMs,
      onError: options.onError,
    };
    this.inFlightChildren = METHOD_LABELS.map(() => undefined);
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

  /**
   * Starts timing a request, and counts it in flight under its method until its timer finishes. With
   * `inFlight: false` it is counted only from its timer's `pending()` on: an adapter that can tell when a
   * request was answered before its own synchronous part returned (a synchronous handler) leaves the gauge
   * alone for it, since nothing can read the gauge between the two writes that would cancel out.
   */
  start(method: string, request: Req, response: Res, inFlight = true): RequestTimer<Req, Res> {
    const index = methodIndex(method);
    const gauge = this.inFlightChildren[index] ?? this.inFlightChild(index);
    if (inFlight) gauge.inc();
    return new RequestTimer(this, index, performance.now(), request, response, inFlight);
  }

  // The in-flight series of a method, made at its first request: written at once (with 0), so that it is shown
  // from then on on every backend, even while none of its requests stays in flight.
  private inFlightChild(index: number): Gauge {
    const gauge = this.inFlight.labels({ method: METHOD_LABELS[index]! });
    gauge.inc(0);
    this.inFlightChildren[index] = gauge;
    return gauge;
  }

  /** @internal Counts a started request in flight (its timer's `pending()`). */
  _pending(index: number): void {
    this.inFlightChildren[index]!.inc();
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
    return this.routeSeries(template).route;
  }

  // The route label of a template, with the instruments of its tuples.
  private routeSeries(template: string | undefined): RouteSeries {
    const key = template ?? UNMATCHED_ROUTE;
    let found = this.routes.get(key);
    if (found === undefined) {
      // The fixed values are not routes: they never count towards maxRoutes.
      const fixed = template === undefined || template === UNMATCHED_ROUTE || template === OVERFLOW_ROUTE;
      if (!fixed && this.routeCount >= this.maxRoutes) {
        found = this.routes.get(OVERFLOW_ROUTE) ?? this.addRoute(OVERFLOW_ROUTE);
      } else {
        if (!fixed) this.routeCount++;
        found = this.addRoute(key);
      }
    }
    return found;
  }

  private addRoute(route: string): RouteSeries {
    const added: RouteSeries = { route, byMethod: METHOD_LABELS.map(() => undefined) };
    this.routes.set(route, added);
    return added;
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
  _record(
    index: number,
    counted: boolean,
    seconds: number,
    outcome: RequestOutcome,
    request: Req,
    response: Res,
  ): void {
    if (counted) this.inFlightChildren[index]!.dec();
    const statusCode = outcome.aborted ? CLIENT_CLOSED_REQUEST : outcome.statusCode;
    const set =
      this.extraNames.length === 0
        ? this.cachedSeries(index, outcome.route, statusCode)
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

  private cachedSeries(index: number, template: string | undefined, statusCode: number): SeriesSet {
    // Most requests have the label tuple of the one before: that one's instruments without a lookup.
    if (template === this.lastTemplate && index === this.lastIndex && statusCode === this.lastStatus) {
      return this.lastSet!;
    }
    const set = this.lookUpSeries(index, template, statusCode);
    this.lastTemplate = template;
    this.lastIndex = index;
    this.lastStatus = statusCode;
    this.lastSet = set;
    return set;
  }

  private lookUpSeries(index: number, template: string | undefined, statusCode: number): SeriesSet {
    const route = this.routeSeries(template);
    let byStatus = route.byMethod[index];
    if (byStatus === undefined) {
      byStatus = new Map();
      route.byMethod[index] = byStatus;
    }
    let set = byStatus.get(statusCode);
    if (set === undefined) {
      set = this.seriesFor({
        method: METHOD_LABELS[index]!,
        route: route.route,
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

  /** The metrics endpoint's answer to a request (see {@link answerScrape}); it never rejects. */
  scrape(scrape: ScrapeRequest): Promise<ScrapeAnswer> {
    return answerScrape(this.registry, scrape, this.endpoint);
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
