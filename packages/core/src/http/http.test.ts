import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CollectorRegistry, Counter, DuplicateMetricError, generateMetrics, Histogram } from '../index.js';
import {
  CLIENT_CLOSED_REQUEST,
  createHttpMetrics,
  HTTP_DURATION_BUCKETS,
  type HttpMetricsOptions,
  HttpOptionsError,
  OTHER_METHOD,
  OVERFLOW_ROUTE,
  ScrapeTimeoutError,
  UNMATCHED_ROUTE,
} from './index.js';

// Small buckets keep the expected expositions short; the defaults have their own test.
function setup(options: HttpMetricsOptions = {}) {
  const registry = new CollectorRegistry();
  const http = createHttpMetrics({ registry, buckets: [0.1, 1], ...options });
  return { registry, http };
}

/** The lines of an exposition that start with `name`, without the HELP and TYPE lines. */
async function samples(registry: CollectorRegistry, name: string, format?: 'openmetrics'): Promise<string[]> {
  const text = await generateMetrics(registry, format ? { format } : {});
  return text.split('\n').filter((line) => line.startsWith(name));
}

describe('createHttpMetrics', () => {
  it('records a request in the duration histogram and the in-flight gauge, with exact labels', async () => {
    const { registry, http } = setup();
    const timer = http.start('GET', undefined, undefined);
    expect(await samples(registry, 'http_requests_in_flight')).toEqual([
      'http_requests_in_flight{method="GET"} 1',
    ]);
    expect(timer.finish({ route: '/users/:id', statusCode: 200 })).toBe(true);
    const lines = await samples(registry, 'http_request_duration_seconds_count');
    expect(lines).toEqual([
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1',
    ]);
    expect(await samples(registry, 'http_requests_in_flight{method="GET"}')).toEqual([
      'http_requests_in_flight{method="GET"} 0',
    ]);
  });

  it('exposes the metrics with help, type and unit; the duration buckets are those of OpenTelemetry', async () => {
    const registry = new CollectorRegistry();
    const http = createHttpMetrics({ registry });
    expect(http.duration.buckets).toEqual([...HTTP_DURATION_BUCKETS, Number.POSITIVE_INFINITY]);
    expect(HTTP_DURATION_BUCKETS).toHaveLength(14);
    http.start('GET', null, null).finish({ route: '/', statusCode: 204 });
    const text = await generateMetrics(registry, { format: 'openmetrics' });
    expect(text).toContain(
      '# HELP http_request_duration_seconds Duration of HTTP server requests.\n# TYPE http_request_duration_seconds histogram\n# UNIT http_request_duration_seconds seconds\n',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/",status_code="204",le="0.075"} 1\n',
    );
    expect(text).toContain(
      '# HELP http_requests_in_flight HTTP server requests being served.\n# TYPE http_requests_in_flight gauge\n',
    );
  });

  it('counts a request started with inFlight false only from pending() on, and uncounts it once', async () => {
    const { registry, http } = setup();
    const inFlight = () => samples(registry, 'http_requests_in_flight');
    // Answered at once: never counted, but the method's series is shown from its first request on.
    const quick = http.start('GET', null, null, false);
    expect(await inFlight()).toEqual(['http_requests_in_flight{method="GET"} 0']);
    expect(quick.finish({ route: '/a', statusCode: 200 })).toBe(true);
    expect(await inFlight()).toEqual(['http_requests_in_flight{method="GET"} 0']);
    // Still going on: counted from pending() (a second call changes nothing) until it finishes.
    const slow = http.start('GET', null, null, false);
    slow.pending();
    slow.pending();
    expect(await inFlight()).toEqual(['http_requests_in_flight{method="GET"} 1']);
    slow.finish({ route: '/a', statusCode: 200 });
    slow.pending(); // finished: nothing to count
    expect(await inFlight()).toEqual(['http_requests_in_flight{method="GET"} 0']);
    // Counted from the start (the default): pending() changes nothing.
    const counted = http.start('GET', null, null);
    counted.pending();
    expect(await inFlight()).toEqual(['http_requests_in_flight{method="GET"} 1']);
    counted.finish({ route: '/a', statusCode: 200 });
    expect(await inFlight()).toEqual(['http_requests_in_flight{method="GET"} 0']);
    expect(await samples(registry, 'http_request_duration_seconds_count')).toEqual([
      'http_request_duration_seconds_count{method="GET",route="/a",status_code="200"} 3',
    ]);
  });

  it('records each timer once: a second finish (close after an abort) is ignored', async () => {
    const { registry, http } = setup();
    const timer = http.start('POST', null, null);
    expect(timer.finish({ route: '/upload', statusCode: 200, aborted: true })).toBe(true);
    expect(timer.finish({ route: '/upload', statusCode: 200 })).toBe(false);
    expect(await samples(registry, 'http_request_duration_seconds_count')).toEqual([
      `http_request_duration_seconds_count{method="POST",route="/upload",status_code="${CLIENT_CLOSED_REQUEST}"} 1`,
    ]);
    expect(await samples(registry, 'http_requests_in_flight{method="POST"}')).toEqual([
      'http_requests_in_flight{method="POST"} 0',
    ]);
  });

  it('records each request into its own label tuple when tuples alternate (the last tuple is remembered)', async () => {
    const { registry, http } = setup();
    const finish = (method: string, route: string | undefined, statusCode: number) =>
      http.start(method, undefined, undefined).finish({ route, statusCode });
    finish('GET', '/a', 200);
    finish('GET', '/a', 200);
    finish('GET', '/a', 404);
    finish('POST', '/a', 404);
    finish('POST', '/b', 404);
    finish('POST', undefined, 404);
    finish('GET', '/a', 200);
    expect(await samples(registry, 'http_request_duration_seconds_count')).toEqual([
      'http_request_duration_seconds_count{method="GET",route="/a",status_code="200"} 3',
      'http_request_duration_seconds_count{method="GET",route="/a",status_code="404"} 1',
      'http_request_duration_seconds_count{method="POST",route="/a",status_code="404"} 1',
      'http_request_duration_seconds_count{method="POST",route="/b",status_code="404"} 1',
      `http_request_duration_seconds_count{method="POST",route="${UNMATCHED_ROUTE}",status_code="404"} 1`,
    ]);
  });

  it('bounds every label: unmatched routes, a route cap, unknown methods, status classes', async () => {
    const { registry, http } = setup({ maxRoutes: 2, groupStatusCodes: true });
    const finish = (method: string, route: string | undefined, statusCode: number) =>
      http.start(method, null, null).finish({ route, statusCode });
    finish('GET', undefined, 404);
    finish('GET', '/a', 200);
    finish('GET', '/b', 201);
    finish('GET', '/c', 200); // third distinct route: past the cap
    finish('GET', '/a', 503); // known routes keep their label
    finish('PROPFIND', '/a', 207);
    finish('get', '/a', 200); // methods are case-sensitive: not the standard GET
    for (let i = 0; i < 1000; i++) finish('GET', `/random/${i}`, 404);
    expect(await samples(registry, 'http_request_duration_seconds_count')).toEqual([
      `http_request_duration_seconds_count{method="GET",route="${UNMATCHED_ROUTE}",status_code="4xx"} 1`,
      'http_request_duration_seconds_count{method="GET",route="/a",status_code="2xx"} 1',
      'http_request_duration_seconds_count{method="GET",route="/b",status_code="2xx"} 1',
      `http_request_duration_seconds_count{method="GET",route="${OVERFLOW_ROUTE}",status_code="2xx"} 1`,
      'http_request_duration_seconds_count{method="GET",route="/a",status_code="5xx"} 1',
      `http_request_duration_seconds_count{method="${OTHER_METHOD}",route="/a",status_code="2xx"} 2`,
      `http_request_duration_seconds_count{method="GET",route="${OVERFLOW_ROUTE}",status_code="4xx"} 1000`,
    ]);
    expect(http.methodLabel('DELETE')).toBe('DELETE');
    expect(http.methodLabel('BREW')).toBe(OTHER_METHOD);
  });

  it('adds the opt-in metrics: requests_total, request and response sizes', async () => {
    const { registry, http } = setup({
      requestsTotal: true,
      requestSize: true,
      responseSize: true,
      sizeBuckets: [100, 1000],
    });
    http
      .start('PUT', null, null)
      .finish({ route: '/x', statusCode: 200, requestBytes: 150, responseBytes: 20 });
    http.start('PUT', null, null).finish({ route: '/x', statusCode: 200 }); // sizes unknown: not observed
    const labels = '{method="PUT",route="/x",status_code="200"';
    expect(await samples(registry, 'http_requests_total')).toEqual([`http_requests_total${labels}} 2`]);
    expect(await samples(registry, 'http_request_size_bytes')).toEqual([
      `http_request_size_bytes_bucket${labels},le="100.0"} 0`,
      `http_request_size_bytes_bucket${labels},le="1000.0"} 1`,
      `http_request_size_bytes_bucket${labels},le="+Inf"} 1`,
      `http_request_size_bytes_sum${labels}} 150`,
      `http_request_size_bytes_count${labels}} 1`,
    ]);
    expect(await samples(registry, 'http_response_size_bytes_sum')).toEqual([
      `http_response_size_bytes_sum${labels}} 20`,
    ]);
  });

  it('computes extra labels from the request and response; a hook that throws gives ""', async () => {
    const { registry, http } = setup({
      extraLabels: {
        tenant: (request) => (request as { tenant: string }).tenant,
        cache: (_, response) => {
          if (response === 'boom') throw new Error('no');
          return String(response);
        },
      },
    });
    http.start('GET', { tenant: 'acme' }, 'hit').finish({ route: '/', statusCode: 200 });
    http.start('GET', { tenant: 'acme' }, 'boom').finish({ route: '/', statusCode: 200 });
    expect(await samples(registry, 'http_request_duration_seconds_count')).toEqual([
      'http_request_duration_seconds_count{method="GET",route="/",status_code="200",tenant="acme",cache="hit"} 1',
      'http_request_duration_seconds_count{method="GET",route="/",status_code="200",tenant="acme",cache=""} 1',
    ]);
  });

  it('attaches the exemplar hook to the duration and the count; a bad exemplar drops only the exemplar', async () => {
    const { registry, http } = setup({
      requestsTotal: true,
      exemplar: (request): Record<string, string> =>
        request === 'bad' ? { 'no-good': 'x' } : { trace_id: String(request) },
    });
    http.start('GET', 'abc123', null).finish({ route: '/', statusCode: 200 });
    http.start('GET', 'bad', null).finish({ route: '/', statusCode: 200 });
    const lines = await samples(registry, 'http_request', 'openmetrics');
    expect(lines).toContain(
      'http_requests_total{method="GET",route="/",status_code="200"} 2 # {trace_id="abc123"} 1',
    );
    expect(lines.find((line) => line.includes('le="0.1"'))).toMatch(
      /^http_request_duration_seconds_bucket\{method="GET",route="\/",status_code="200",le="0.1"\} 2 # \{trace_id="abc123"\} [0-9.e-]+$/,
    );
  });

  it('ignores the metrics path and ignorePaths (strings exactly, RegExps by test)', () => {
    const { http } = setup({ ignorePaths: ['/health', /^\/static\//g] });
    expect(http.ignores('/metrics')).toBe(true);
    expect(http.ignores('/health')).toBe(true);
    expect(http.ignores('/health/deep')).toBe(false);
    // A global RegExp keeps no state between tests.
    expect([1, 2, 3].map(() => http.ignores('/static/app.js'))).toEqual([true, true, true]);
    expect(http.ignores('/users')).toBe(false);
    expect(setup({ metricsPath: false }).http.ignores('/metrics')).toBe(false);
  });
});

describe('options', () => {
  it('refuses an unknown key with an HttpOptionsError that names it', () => {
    const attempt = () => createHttpMetrics({ registry: new CollectorRegistry(), metricPath: '/m' } as never);
    expect(attempt).toThrow(HttpOptionsError);
    expect(attempt).toThrow(/unknown HTTP metrics option "metricPath"/);
  });

  it.each([
    [{ metricsPath: 'metrics' }, /"metricsPath" must be a path starting with "\/"/],
    [{ prefix: 'my-app' }, /"prefix" must be a metric name prefix/],
    [{ ignorePaths: '/health' }, /"ignorePaths" must be an array of strings and RegExps/],
    [{ extraLabels: { route: () => 'x' } }, /"route" cannot be a label name here/],
    [{ extraLabels: { tenant: 'acme' } }, /label "tenant" must be a function/],
    [{ groupStatusCodes: 'yes' }, /"groupStatusCodes" must be a boolean, got "yes"/],
    [{ authorize: true }, /"authorize" must be a function/],
    [{ maxRoutes: 0 }, /"maxRoutes" must be a positive integer/],
    [{ scrapeTimeoutMs: -1 }, /"scrapeTimeoutMs" must be a positive number/],
    [{ registry: {} }, /"registry" must be a CollectorRegistry/],
  ])('refuses %o', (options, message) => {
    expect(() => createHttpMetrics(options as never)).toThrow(HttpOptionsError);
    expect(() => createHttpMetrics(options as never)).toThrow(message);
  });

  it('a second app with the same options reuses the registered metrics: one set of numbers', async () => {
    const registry = new CollectorRegistry();
    const first = createHttpMetrics({ registry, requestsTotal: true });
    const second = createHttpMetrics({ registry, requestsTotal: true });
    expect(second.duration).toBe(first.duration);
    expect(second.total).toBe(first.total);
    first.start('GET', null, null).finish({ route: '/', statusCode: 200 });
    second.start('GET', null, null).finish({ route: '/', statusCode: 200 });
    expect(await samples(registry, 'http_requests_total')).toEqual([
      'http_requests_total{method="GET",route="/",status_code="200"} 2',
    ]);
  });

  it('different options for the same names are a DuplicateMetricError, and leave the registry as it was', async () => {
    const registry = new CollectorRegistry();
    createHttpMetrics({ registry });
    const before = await generateMetrics(registry);
    expect(() => createHttpMetrics({ registry, buckets: [1, 2] })).toThrow(DuplicateMetricError);
    expect(() => createHttpMetrics({ registry, buckets: [1, 2] })).toThrow(
      /metric "http_request_duration_seconds" is already registered .*its buckets are \[0\.005, .*this app asks for \[1, 2, Infinity\]/,
    );
    expect(() => createHttpMetrics({ registry, requestsTotal: true, extraLabels: { a: () => '' } })).toThrow(
      /its labels are \["method", "route", "status_code"\]; this app asks for \["method", "route", "status_code", "a"\]/,
    );
    // Refused before anything was created: http_requests_total was not registered.
    expect(registry.get('http_requests_total')).toBeUndefined();
    expect(await generateMetrics(registry)).toBe(before);
    // A prefix gives a separate set of metrics.
    expect(createHttpMetrics({ registry, prefix: 'admin', buckets: [1, 2] }).duration.name).toBe(
      'admin_http_request_duration_seconds',
    );
  });

  it('refuses a name that a user metric of another shape holds', () => {
    const registry = new CollectorRegistry();
    new Counter('http_requests_in_flight', 'Mine.', { registry });
    expect(() => createHttpMetrics({ registry })).toThrow(/it is a counter, not a gauge/);
    new Histogram('x_http_request_duration_seconds', 'Mine.', { registry });
    expect(() => createHttpMetrics({ registry, prefix: 'x' })).toThrow(/its labels are \[\]/);
  });
});

const PROMETHEUS =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('scrape', () => {
  function scrapeSetup(options: HttpMetricsOptions = {}) {
    const registry = new CollectorRegistry();
    new Counter('served_total', 'Served.', { registry }).inc(3);
    return createHttpMetrics({ registry, ...options });
  }
  const text = (body: string | Uint8Array) =>
    typeof body === 'string' ? body : new TextDecoder().decode(body);

  it('answers GET with negotiated Prometheus text or OpenMetrics, exact content type and length', async () => {
    const http = scrapeSetup();
    const plain = await http.scrape({ method: 'GET', accept: '*/*' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text(plain.body)).toContain('served_total 3\n');
    expect(plain.headers['content-length']).toBe(String((plain.body as Uint8Array).byteLength));
    const om = await http.scrape({ method: 'GET', accept: PROMETHEUS });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(text(om.body)).toMatch(/served_total 3\n(.|\n)*# EOF\n$/);
    expect(om.headers.vary).toBe('Accept, Accept-Encoding');
  });

  it('gzips when Accept-Encoding allows it', async () => {
    const answer = await scrapeSetup().scrape({ method: 'GET', acceptEncoding: 'br;q=1, gzip;q=0.5' });
    expect(answer.headers['content-encoding']).toBe('gzip');
    const body = answer.body as Uint8Array;
    expect(answer.headers['content-length']).toBe(String(body.byteLength));
    expect(gunzipSync(body).toString('utf8')).toContain('served_total 3\n');
    const refused = await scrapeSetup().scrape({ method: 'GET', acceptEncoding: 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('answers HEAD with the headers of GET and no body; other methods 405 with Allow', async () => {
    const http = scrapeSetup();
    const get = await http.scrape({ method: 'GET' });
    const head = await http.scrape({ method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers).toEqual(get.headers);
    expect(head.body).toBe('');
    const post = await http.scrape({ method: 'POST' });
    expect(post).toEqual({
      status: 405,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': '19', allow: 'GET, HEAD' },
      body: 'method not allowed\n',
    });
  });

  it('asks authorize: 401 without credentials, 403 with wrong ones, 200 with the right ones', async () => {
    const http = scrapeSetup({
      authorize: (request) => request.headers.get('authorization') === `Basic ${btoa('prom:secret')}`,
    });
    const ask = (headers: Record<string, string>) =>
      http.scrape({ method: 'GET', request: () => new Request('http://localhost/metrics', { headers }) });
    const none = await ask({});
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="metrics", Bearer realm="metrics"');
    expect((await ask({ authorization: `Basic ${btoa('prom:wrong')}` })).status).toBe(403);
    const ok = await ask({ authorization: `Basic ${btoa('prom:secret')}` });
    expect(ok.status).toBe(200);
    expect(text(ok.body)).toContain('served_total 3');
  });

  it('fails closed when authorize throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const http = scrapeSetup({
      authorize: async () => {
        throw new Error('token store down');
      },
      onError: (error) => errors.push(error),
    });
    const answer = await http.scrape({
      method: 'GET',
      request: () => new Request('http://localhost/metrics'),
    });
    expect(answer.status).toBe(401);
    expect(errors).toHaveLength(1);
  });

  it('answers 503 revealing nothing when the metrics cannot be read, and hands the error to onError', async () => {
    const errors: unknown[] = [];
    const registry = new CollectorRegistry();
    registry.register({
      collect() {
        throw new Error('connect ECONNREFUSED redis.internal.example:6379');
      },
    });
    const http = createHttpMetrics({ registry, onError: (error) => errors.push(error) });
    const answer = await http.scrape({ method: 'GET', accept: PROMETHEUS, acceptEncoding: 'gzip' });
    expect(answer).toEqual({
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': '20', 'retry-after': '1' },
      body: 'metrics unavailable\n',
    });
    expect(String(errors[0])).toContain('redis.internal.example');
  });

  it('gives up on a scrape that hangs after scrapeTimeoutMs', async () => {
    const errors: unknown[] = [];
    const registry = new CollectorRegistry();
    registry.register({ collect: () => new Promise<never>(() => {}) });
    const http = createHttpMetrics({ registry, scrapeTimeoutMs: 50, onError: (error) => errors.push(error) });
    const started = performance.now();
    expect((await http.scrape({ method: 'GET' })).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errors[0]).toBeInstanceOf(ScrapeTimeoutError);
  });
});
