// The middleware and the endpoint on Hono apps driven through `app.request()`: the same code path as on every
// runtime (a web Request in, a web Response out). Real servers: node.test.ts and runtimes.test.ts.
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { CollectorRegistry, DuplicateMetricError, generateMetrics } from '@pytheus/core';
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import { stream } from 'hono/streaming';
import { validator } from 'hono/validator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type HonoMetricsOptions, HttpOptionsError, metrics, metricsHandler } from '../src/index.js';
import { durations, inFlight, users } from './series.js';

function start(options: HonoMetricsOptions = {}) {
  const registry = options.registry ?? new CollectorRegistry();
  const app = new Hono();
  app.use(metrics({ registry, buckets: [0.5], ...options }));
  return { app, registry };
}

// Hono's default error handler logs what it answers 500 for.
afterEach(() => {
  vi.restoreAllMocks();
});
const quiet = () => vi.spyOn(console, 'error').mockImplementation(() => {});

const OPENMETRICS =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('route labels', () => {
  it('labels requests with the route of the handler that answered, with the mount path of sub-apps', async () => {
    const { app, registry } = start();
    users(app);
    app.get('/users/me', (c) => c.text('never: /users/:id is registered first and answers'));
    const items = new Hono();
    items.get('/items/:id', (c) => c.text(`item ${c.req.param('id')}`));
    app.route('/t/:tenant', items);
    const v1 = new Hono().basePath('/v1');
    v1.get('/ping', (c) => c.text('pong'));
    app.route('/', v1);
    expect(await (await app.request('/t/acme/items/1')).text()).toBe('item 1');
    await app.request('/t/globex/items/2?full=1');
    await app.request('/users/7');
    await app.request('/users/me');
    await app.request('/v1/ping');
    expect(await durations(registry)).toEqual([
      'GET /t/:tenant/items/:id 200 2',
      'GET /users/:id 200 2',
      'GET /v1/ping 200 1',
    ]);
  });

  it('labels a request a middleware rejected with the route it was going to; one no handler matches is <unmatched>', async () => {
    const { app, registry } = start();
    app.use('/api/*', bearerAuth({ token: 's3cret' })); // throws an HTTPException(401)
    app.use('/admin/*', async (c, next) => {
      if (c.req.header('x-admin') !== 'yes') return c.text('forbidden', 403); // answers without throwing
      await next();
    });
    app.get('/api/users/:id', (c) => c.text('user'));
    const admin = new Hono();
    admin.get('/reports/:year', (c) => c.text('report'));
    app.route('/admin', admin);
    app.post(
      '/items',
      validator('json', (value, c) => (typeof value.name === 'string' ? value : c.text('bad', 400))),
      (c) => c.text('created', 201),
    );
    expect((await app.request('/api/users/1')).status).toBe(401);
    expect((await app.request('/api/users/2', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(
      200,
    );
    expect((await app.request('/api/nothing')).status).toBe(401); // the guard answers; no handler matches
    expect((await app.request('/admin/reports/2024')).status).toBe(403);
    const json = (body: unknown) => ({
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect((await app.request('/items', json({ name: 1 }))).status).toBe(400);
    expect((await app.request('/items', json({ name: 'x' }))).status).toBe(201);
    expect(await durations(registry)).toEqual([
      'GET /api/users/:id 401 1',
      'GET /api/users/:id 200 1',
      'GET <unmatched> 401 1',
      'GET /admin/reports/:year 403 1',
      'POST /items 400 1',
      'POST /items 201 1',
    ]);
  });

  it('collapses 404s, scanner paths and a flood of 10,000 random paths into one series', async () => {
    const { app, registry } = start();
    users(app);
    app.use('/static/*', async (_c, next) => next()); // a middleware alone matches: still unmatched
    app.mount('/legacy', () => new Response('another framework')); // mounted apps' routes are middlewares
    for (const path of ['/wp-login.php', '/.env', '/static/x.js', '/users', '/users/1/2']) {
      expect((await app.request(path)).status).toBe(404);
    }
    expect((await app.request('/users/1', { method: 'DELETE' })).status).toBe(404);
    expect(await (await app.request('/legacy/page')).text()).toBe('another framework');
    await app.request('/users/1');
    const lines = (await generateMetrics(registry)).split('\n').length;
    for (let i = 0; i < 10_000; i++) await app.request(`/${Math.random().toString(36).slice(2)}/${i}`);
    expect((await generateMetrics(registry)).split('\n').length).toBe(lines);
    expect(await durations(registry)).toEqual([
      'GET <unmatched> 404 10005',
      'DELETE <unmatched> 404 1',
      'GET <unmatched> 200 1',
      'GET /users/:id 200 1',
    ]);
  });

  it('labels app.all() and app.on() handlers, HEAD requests, and methods outside the standard set as _OTHER', async () => {
    const { app, registry } = start();
    app.all('/any', (c) => c.text(c.req.method));
    app.on(['PUT', 'PATCH'], '/doc/:id', (c) => c.text('saved'));
    users(app);
    for (const method of ['GET', 'PROPFIND', 'MKCOL']) await app.request('/any', { method });
    await app.request('/doc/1', { method: 'PUT' });
    await app.request('/doc/1', { method: 'PATCH' });
    const head = await app.request('/users/1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await durations(registry)).toEqual([
      'GET /any 200 1',
      '_OTHER /any 200 2',
      'PUT /doc/:id 200 1',
      'PATCH /doc/:id 200 1',
      'HEAD /users/:id 200 1',
    ]);
  });

  it('works with an app on the CommonJS build of Hono (the helper of the other build cannot read its routes)', async () => {
    const cjs = createRequire(import.meta.url)('hono') as { Hono: typeof Hono };
    expect(cjs.Hono).not.toBe(Hono);
    const registry = new CollectorRegistry();
    const app = new cjs.Hono();
    app.use(metrics({ registry, buckets: [0.5] }));
    app.use('/api/*', async (c, next) => (c.req.header('x-key') ? next() : c.text('no', 401)));
    app.get('/api/users/:id', (c) => c.text('user'));
    await app.request('/api/users/1');
    await app.request('/api/users/2', { headers: { 'x-key': '1' } });
    await app.request('/api/users/3', { headers: { 'x-key': '1' } });
    await app.request('/nope');
    expect(await durations(registry)).toEqual([
      'GET /api/users/:id 401 1',
      'GET /api/users/:id 200 2',
      'GET <unmatched> 404 1',
    ]);
  });
});

describe('status codes', () => {
  it('records a thrown error with the status Hono sends: 500, an HTTPException, app.onError, a sub-app onError', async () => {
    quiet();
    const { app, registry } = start();
    app.get('/boom', () => {
      throw new Error('database down');
    });
    app.get('/later/:id', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw new Error('async failure');
    });
    app.get('/teapot', () => {
      throw new HTTPException(418, { message: 'short and stout' });
    });
    app.get('/custom', () => {
      throw new HTTPException(401, { res: new Response('who?', { status: 401 }) });
    });
    const billing = new Hono();
    billing.onError((_error, c) => c.text('billing is down', 503));
    billing.get('/invoices/:id', () => {
      throw new Error('no invoices');
    });
    app.route('/billing', billing);
    expect((await app.request('/boom')).status).toBe(500);
    expect((await app.request('/later/1')).status).toBe(500);
    expect((await app.request('/teapot')).status).toBe(418);
    expect((await app.request('/custom')).status).toBe(401);
    expect((await app.request('/billing/invoices/1')).status).toBe(503);
    expect(await durations(registry)).toEqual([
      'GET /boom 500 1',
      'GET /later/:id 500 1',
      'GET /teapot 418 1',
      'GET /custom 401 1',
      'GET /billing/invoices/:id 503 1',
    ]);

    app.onError((error, c) => c.text(error.message, 502));
    expect((await app.request('/boom')).status).toBe(502);
    expect(await durations(registry)).toContain('GET /boom 502 1');
  });

  it('records 500 when the chain throws past every error handler or ends without a response', async () => {
    const { app, registry } = start();
    app.onError((error) => {
      throw error; // an error handler that fails
    });
    app.get('/rethrow', () => {
      throw new Error('first');
    });
    app.get('/nothing', async () => undefined as unknown as Response);
    await expect(app.request('/rethrow')).rejects.toThrow('first');
    await expect(app.request('/nothing')).rejects.toThrow(/Context is not finalized/);
    expect(await durations(registry)).toEqual(['GET /rethrow 500 1', 'GET /nothing 500 1']);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('records a request whose signal aborted (the client left) as 499; in-flight returns to zero', async () => {
    const { app, registry } = start();
    let arrived!: () => void;
    const serverHasIt = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    app.get('/slow/:id', async (c) => {
      arrived();
      await new Promise((resolve) => c.req.raw.signal.addEventListener('abort', resolve));
      return c.text('too late');
    });
    const client = new AbortController();
    const answered = app.request(new Request('http://localhost/slow/1', { signal: client.signal }));
    await serverHasIt;
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 1']);
    client.abort();
    await answered;
    expect(await durations(registry)).toEqual(['GET /slow/:id 499 1']);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('groups status codes into classes when asked', async () => {
    const { app, registry } = start({ groupStatusCodes: true });
    app.get('/s/:code', (c) => c.body(null, Number(c.req.param('code')) as 200));
    for (const code of ['200', '201', '204', '302', '418', '503']) await app.request(`/s/${code}`);
    expect(await durations(registry)).toEqual([
      'GET /s/:code 2xx 3',
      'GET /s/:code 3xx 1',
      'GET /s/:code 4xx 1',
      'GET /s/:code 5xx 1',
    ]);
  });
});

describe('the metrics endpoint', () => {
  it('serves the metrics path: negotiated format, exact content type, gzip, HEAD, 405 for other methods', async () => {
    const { app } = start();
    users(app);
    await app.request('/users/1');
    const plain = await app.request('/metrics');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await plain.text();
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1\n',
    );
    expect(Number(plain.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const om = await app.request('/metrics', { headers: { accept: OPENMETRICS, 'accept-encoding': 'gzip' } });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.headers.get('content-encoding')).toBe('gzip');
    const unzipped = gunzipSync(Buffer.from(await om.arrayBuffer())).toString('utf8');
    expect(unzipped).toContain('# UNIT http_request_duration_seconds seconds\n');
    expect(unzipped.endsWith('# EOF\n')).toBe(true);
    const head = await app.request('/metrics', { method: 'HEAD', headers: { accept: OPENMETRICS } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    expect(await head.text()).toBe('');
    const post = await app.request('/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('leaves ignored paths and the metrics path untimed', async () => {
    const { app, registry } = start({ ignorePaths: ['/health', /^\/static\//] });
    app.get('/health', (c) => c.text('ok'));
    app.get('/static/:file', (c) => c.text('file'));
    users(app);
    for (const path of ['/health', '/health?deep=1', '/static/app.js', '/metrics', '/users/1']) {
      await app.request(path);
    }
    expect(await durations(registry)).toEqual(['GET /users/:id 200 1']);
  });

  it('serves the metrics at another path, or nowhere with metricsPath: false', async () => {
    const custom = start({ metricsPath: '/internal/metrics' });
    expect((await custom.app.request('/internal/metrics')).status).toBe(200);
    expect((await custom.app.request('/metrics')).status).toBe(404);
    const none = start({ metricsPath: false });
    expect((await none.app.request('/metrics')).status).toBe(404);
    expect(await durations(none.registry)).toEqual(['GET <unmatched> 404 1']);
  });

  it('protects the metrics endpoint with the authorize hook, which receives the web Request: 401, 403, 200', async () => {
    const token = 's3cret';
    const seen: unknown[] = [];
    const { app } = start({
      authorize: (request) => {
        seen.push(request);
        return request.headers.get('authorization') === `Bearer ${token}`;
      },
    });
    const none = await app.request('/metrics');
    expect(none.status).toBe(401);
    expect(await none.text()).toBe('unauthorized\n');
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="metrics", Bearer realm="metrics"');
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer nope' } })).status).toBe(403);
    const ok = await app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE http_request_duration_seconds histogram');
    expect(seen.every((request) => request instanceof Request)).toBe(true);
  });

  it('metricsHandler serves a route of your choice (behind your own middleware, never timed) or a second app', async () => {
    const registry = new CollectorRegistry();
    const { app } = start({ registry, metricsPath: false });
    app.get('/admin/metrics', bearerAuth({ token: 'ops' }), metricsHandler({ registry }));
    users(app);
    await app.request('/users/1');
    expect((await app.request('/admin/metrics')).status).toBe(401);
    const served = await app.request('/admin/metrics', { headers: { authorization: 'Bearer ops' } });
    expect(served.status).toBe(200);
    expect(await served.text()).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1\n',
    );
    expect(await durations(registry)).toEqual(['GET /users/:id 200 1']);

    const admin = new Hono();
    admin.get(
      '/metrics',
      metricsHandler({ registry, authorize: (request) => request.headers.get('x-ops') === 'yes' }),
    );
    expect((await admin.request('/metrics')).status).toBe(401);
    const second = await admin.request('/metrics', { headers: { 'x-ops': 'yes', accept: OPENMETRICS } });
    expect(second.headers.get('content-type')).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    expect(await second.text()).toContain('http_requests_in_flight{method="GET"} 0\n');
    expect((await admin.request('/metrics', { method: 'DELETE' })).status).toBe(404); // a GET route
    expect(() => metricsHandler({ path: '/m' } as never)).toThrow(HttpOptionsError);
    expect(() => metricsHandler({ registry: {} as never })).toThrow(/"registry"/);
  });
});

describe('options', () => {
  it('adds extra labels and exemplars from the context, and the opt-in size metrics', async () => {
    const { app, registry } = start({
      extraLabels: {
        tenant: (c) => c.req.header('x-tenant') ?? 'none',
        type: (_, c) => c.res.headers.get('content-type') ?? '',
      },
      exemplar: (c) => ({ trace_id: c.req.header('x-trace') ?? '' }),
      requestSize: true,
      responseSize: true,
      requestsTotal: true,
    });
    app.post('/echo', async (c) => c.json(await c.req.json()));
    const body = JSON.stringify({ hello: 'world' });
    // Read to the end: with responseSize, a body of undeclared length is recorded when it has been read.
    const echoed = await app.request('/echo', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'x-tenant': 'acme',
        'x-trace': 'abc',
      },
    });
    expect(await echoed.text()).toBe(body);
    const text = await generateMetrics(registry, { format: 'openmetrics' });
    const labels = 'method="POST",route="/echo",status_code="200",tenant="acme",type="application/json"';
    expect(text).toContain(`http_requests_total{${labels}} 1 # {trace_id="abc"} 1\n`);
    expect(text).toContain(`http_request_size_bytes_sum{${labels}} ${body.length}\n`);
    expect(text).toContain(`http_response_size_bytes_sum{${labels}} ${body.length}\n`);
  });

  it('with responseSize, counts a body of undeclared length as it is read, and records the request at its end', async () => {
    const { app, registry } = start({ responseSize: true });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/declared', (c) => c.body('12345', 200, { 'content-length': '5' }));
    app.get('/stream/:id', (c) =>
      stream(c, async (out) => {
        await out.write('first chunk,');
        await released;
        await out.write('second');
      }),
    );
    await app.request('/declared');
    const response = await app.request('/stream/1');
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 1']);
    release();
    expect(await response.text()).toBe('first chunk,second');
    const cut = await app.request('/stream/2');
    const reader = cut.body!.getReader();
    await reader.read();
    await reader.cancel(); // the client leaves in the middle of the body
    const text = await generateMetrics(registry);
    const sizes = text.split('\n').filter((line) => line.startsWith('http_response_size_bytes_sum'));
    expect(sizes).toEqual([
      'http_response_size_bytes_sum{method="GET",route="/declared",status_code="200"} 5',
      'http_response_size_bytes_sum{method="GET",route="/stream/:id",status_code="200"} 18',
      'http_response_size_bytes_sum{method="GET",route="/stream/:id",status_code="499"} 12',
    ]);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('a second app in the same process reuses the metrics; other options for the same names throw', async () => {
    const registry = new CollectorRegistry();
    const first = start({ registry });
    const second = start({ registry });
    users(first.app);
    users(second.app);
    await first.app.request('/users/1');
    await second.app.request('/users/2');
    expect(await durations(registry)).toEqual(['GET /users/:id 200 2']);
    expect(() => metrics({ registry, buckets: [1, 2, 3] })).toThrow(DuplicateMetricError);
    expect(() => metrics({ registry, metricPath: '/m' } as never)).toThrow(HttpOptionsError);
    expect(() => metrics({ registry, metricPath: '/m' } as never)).toThrow(/"metricPath"/);
  });
});
