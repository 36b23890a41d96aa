import { gunzipSync } from 'node:zlib';
import { CollectorRegistry, DuplicateMetricError, generateMetrics } from '@pytheus/core';
import { durationLines, eventually, hangUp, inFlightLines, send } from '@pytheus/test-support';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import pytheus, { type FastifyMetricsOptions, HttpOptionsError } from '../src/index.js';

const apps: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

function newApp(): FastifyInstance {
  const app = Fastify();
  apps.push(app);
  return app;
}

/** An app with the plugin registered first, then the routes `build` adds; ready, not listening. */
async function start(
  build: (app: FastifyInstance) => void | Promise<void>,
  options: FastifyMetricsOptions = {},
) {
  const registry = options.registry ?? new CollectorRegistry();
  const app = newApp();
  await app.register(pytheus, { registry, buckets: [0.5], ...options });
  await build(app);
  await app.ready();
  return { app, registry, get: (url: string) => app.inject(url) };
}

/** Listens on a free port of 127.0.0.1, for the tests that need a real socket. */
async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

/** `method route status count` for every series of the duration histogram, in exposition order. */
async function counts(registry: CollectorRegistry): Promise<string[]> {
  return durationLines(await generateMetrics(registry));
}

async function inFlight(registry: CollectorRegistry): Promise<string[]> {
  return inFlightLines(await generateMetrics(registry));
}

/** The route most tests serve. */
function users(app: FastifyInstance): void {
  app.get<{ Params: { id: string } }>('/users/:id', async (request) => `user ${request.params.id}`);
}

describe('@pytheus/fastify', () => {
  it('times routes declared before the plugin and after it, in plugins registered before it and after it', async () => {
    const registry = new CollectorRegistry();
    const app = newApp();
    app.get('/before/:id', async () => 'before');
    await app.register(async (early) => {
      early.get('/early/:id', async () => 'early');
    });
    await app.register(pytheus, { registry, buckets: [0.5] });
    app.get('/after/:id', async () => 'after');
    await app.register(async (late) => {
      late.get('/late/:id', async () => 'late');
    });
    for (const url of ['/before/1', '/early/2', '/after/3', '/late/4', '/late/5']) {
      expect((await app.inject(url)).statusCode).toBe(200);
    }
    expect(await counts(registry)).toEqual([
      'GET /before/:id 200 1',
      'GET /early/:id 200 1',
      'GET /after/:id 200 1',
      'GET /late/:id 200 2',
    ]);
  });

  it('labels routes of prefixed plugins with the full template, parameters in the prefix included', async () => {
    const { registry, get } = await start(async (app) => {
      await app.register(
        async (tenant) => {
          tenant.get('/', async () => 'tenant');
          await tenant.register(
            async (items) => {
              items.get<{ Params: { tenant: string; id: string } }>(
                '/:id',
                async (request) => `${request.params.tenant} ${request.params.id}`,
              );
            },
            { prefix: '/items' },
          );
        },
        { prefix: '/api/:tenant' },
      );
      users(app);
    });
    expect((await get('/api/acme/items/1')).body).toBe('acme 1');
    await get('/api/globex/items/2?full=1');
    await get('/api/api/items/3'); // a tenant named like the literal before it
    await get('/api/acme');
    await get('/api/acme/'); // Fastify serves both; one template
    await get('/users/7');
    expect(await counts(registry)).toEqual([
      'GET /api/:tenant/items/:id 200 3',
      'GET /api/:tenant 200 2',
      'GET /users/:id 200 1',
    ]);
  });

  it('collapses 404s, scanner paths and a flood of 10,000 random paths into one series', async () => {
    const { registry, get } = await start(users);
    for (const path of ['/wp-login.php', '/.env', '/admin/config.php', '/users', '/users/1/2']) {
      expect((await get(path)).statusCode).toBe(404);
    }
    await get('/users/1');
    const lines = (await generateMetrics(registry)).split('\n').length;
    const paths = Array.from({ length: 10_000 }, (_, i) => `/${Math.random().toString(36).slice(2)}/${i}`);
    for (let i = 0; i < paths.length; i += 100) await Promise.all(paths.slice(i, i + 100).map(get));
    expect((await generateMetrics(registry)).split('\n').length).toBe(lines);
    expect(await counts(registry)).toEqual(['GET <unmatched> 404 10005', 'GET /users/:id 200 1']);
  });

  it('records a custom not-found handler as unmatched, and reply.callNotFound() under the route that called it', async () => {
    const { registry, get } = await start(async (app) => {
      app.get<{ Params: { id: string } }>('/orders/:id', async (request, reply) => {
        if (request.params.id === 'gone') return reply.callNotFound();
        return 'order';
      });
      app.setNotFoundHandler(async (_request, reply) => reply.code(404).send('no such page'));
    });
    expect((await get('/nope')).body).toBe('no such page');
    expect((await get('/orders/gone')).statusCode).toBe(404);
    await get('/orders/1');
    expect(await counts(registry)).toEqual([
      'GET <unmatched> 404 1',
      'GET /orders/:id 404 1',
      'GET /orders/:id 200 1',
    ]);
  });

  it('records HEAD requests that Fastify serves from GET routes under the GET route template', async () => {
    const { app, registry } = await start(async (app) => {
      users(app);
      await app.register(
        async (tenant) => {
          tenant.get('/items/:id', async () => 'item');
        },
        { prefix: '/api/:tenant' },
      );
    });
    const port = await listen(app);
    const head = await send(port, '/users/1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('6');
    expect(head.body.length).toBe(0);
    await send(port, '/api/acme/items/1', { method: 'HEAD' });
    await send(port, '/users/2');
    expect(await counts(registry)).toEqual([
      'HEAD /users/:id 200 1',
      'HEAD /api/:tenant/items/:id 200 1',
      'GET /users/:id 200 1',
    ]);
  });

  it('records thrown errors, reply.code() and validation failures with the status sent', async () => {
    const { app, registry, get } = await start(async (app) => {
      app.get('/async', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw new Error('database down');
      });
      app.get('/sync', () => {
        throw new Error('no handler of our own: Fastify answers 500');
      });
      app.get('/teapot', async () => {
        throw Object.assign(new Error('teapot'), { statusCode: 418 });
      });
      app.post('/created', async (_request, reply) => reply.code(201).send({ ok: true }));
      app.get('/empty', async (_request, reply) => reply.code(204).send());
      app.get(
        '/typed/:n',
        { schema: { params: { type: 'object', properties: { n: { type: 'integer' } } } } },
        async () => 'typed',
      );
      app.get(
        '/guarded',
        { preHandler: async () => Promise.reject(new Error('denied')) },
        async () => 'never',
      );
      await app.register(
        async (api) => {
          api.setErrorHandler(async (_error, _request, reply) => reply.code(503).send('sorry'));
          api.get('/orders/:id', async () => {
            throw new Error('failure');
          });
        },
        { prefix: '/t/:tenant' },
      );
    });
    expect((await get('/async')).statusCode).toBe(500);
    expect((await get('/sync')).statusCode).toBe(500);
    expect((await get('/teapot')).statusCode).toBe(418);
    expect((await app.inject({ method: 'POST', url: '/created' })).statusCode).toBe(201);
    expect((await get('/empty')).statusCode).toBe(204);
    expect((await get('/typed/x')).statusCode).toBe(400);
    expect((await get('/typed/1')).statusCode).toBe(200);
    expect((await get('/guarded')).statusCode).toBe(500);
    expect((await get('/t/acme/orders/9')).statusCode).toBe(503);
    expect((await get('/t/acme/orders/9')).body).toBe('sorry');
    expect(await counts(registry)).toEqual([
      'GET /async 500 1',
      'GET /sync 500 1',
      'GET /teapot 418 1',
      'POST /created 201 1',
      'GET /empty 204 1',
      'GET /typed/:n 400 1',
      'GET /typed/:n 200 1',
      'GET /guarded 500 1',
      'GET /t/:tenant/orders/:id 503 2',
    ]);
  });

  it('records a client that hangs up before the response as 499, once; in-flight returns to zero', async () => {
    let arrived!: () => void;
    const serverHasIt = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let released!: () => void;
    const gone = new Promise<void>((resolve) => {
      released = resolve;
    });
    const { app, registry } = await start((app) => {
      app.get('/slow/:id', (request, reply) => {
        arrived();
        // Answers only after the client is gone: the late response must not be recorded a second time.
        request.raw.once('close', () => {
          reply.send('too late');
          released();
        });
      });
    });
    const port = await listen(app);
    await hangUp(port, '/slow/1', serverHasIt);
    await gone;
    expect(await eventually(() => counts(registry), ['GET /slow/:id 499 1'])).toEqual([
      'GET /slow/:id 499 1',
    ]);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
    await send(port, '/slow-not-there');
    expect(await counts(registry)).toEqual(['GET /slow/:id 499 1', 'GET <unmatched> 404 1']);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('leaves routes with config.metrics false, ignored paths and the metrics route untimed', async () => {
    const { registry, get } = await start(
      async (app) => {
        app.get('/health', { config: { metrics: false } }, async () => 'ok');
        await app.register(
          async (internal) => {
            internal.get('/debug/:what', { config: { metrics: false } }, async () => 'debug');
            internal.get('/status', async () => 'status');
          },
          { prefix: '/internal' },
        );
        app.get('/static/:file', async () => 'file');
        app.get('/ping', async () => 'pong');
        users(app);
      },
      { ignorePaths: ['/ping', /^\/static\//] },
    );
    for (const url of [
      '/health',
      '/internal/debug/heap',
      '/static/app.js',
      '/ping',
      '/ping?deep=1',
      '/metrics',
    ]) {
      expect((await get(url)).statusCode).toBe(200);
    }
    await get('/internal/status');
    await get('/users/1');
    expect(await counts(registry)).toEqual(['GET /internal/status 200 1', 'GET /users/:id 200 1']);
  });

  it('puts methods outside the standard set under _OTHER', async () => {
    const { app, registry } = await start((app) => {
      app.addHttpMethod('PROPFIND');
      app.addHttpMethod('MKCOL', { hasBody: true });
      app.route({
        method: ['GET', 'PATCH', 'PROPFIND', 'MKCOL'],
        url: '/any',
        handler: async (request) => request.method,
      });
    });
    for (const method of ['GET', 'PATCH', 'PROPFIND', 'MKCOL'] as const) {
      expect((await app.inject({ method, url: '/any' })).body).toBe(method);
    }
    expect(await counts(registry)).toEqual(['GET /any 200 1', 'PATCH /any 200 1', '_OTHER /any 200 2']);
  });

  it('groups status codes into classes when asked', async () => {
    const { registry, get } = await start(
      (app) => {
        app.get<{ Params: { code: string } }>('/s/:code', async (request, reply) =>
          reply.code(Number(request.params.code)).send(''),
        );
      },
      { groupStatusCodes: true },
    );
    for (const code of ['200', '201', '204', '302', '418', '503']) await get(`/s/${code}`);
    expect(await counts(registry)).toEqual([
      'GET /s/:code 2xx 3',
      'GET /s/:code 3xx 1',
      'GET /s/:code 4xx 1',
      'GET /s/:code 5xx 1',
    ]);
  });

  it('serves the metrics route: negotiated format, exact content type, gzip, HEAD; other methods are 404s', async () => {
    const { app, registry } = await start(users);
    const port = await listen(app);
    await send(port, '/users/1');
    const plain = await send(port, '/metrics');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.headers.vary).toBe('Accept, Accept-Encoding');
    expect(plain.text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1\n',
    );
    expect(plain.text).toBe(await generateMetrics(registry));
    expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
    const accept =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const om = await send(port, '/metrics', { headers: { accept, 'accept-encoding': 'gzip' } });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.headers['content-encoding']).toBe('gzip');
    expect(Number(om.headers['content-length'])).toBe(om.body.length);
    const text = gunzipSync(om.body).toString('utf8');
    expect(text).toContain('# UNIT http_request_duration_seconds seconds\n');
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1\n',
    );
    expect(text.endsWith('# EOF\n')).toBe(true);
    const head = await send(port, '/metrics', { method: 'HEAD', headers: { accept } });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body.length).toBe(0);
    // Fastify answers a method no route has with its 404, as it does for every route: a request that matched none.
    expect((await send(port, '/metrics', { method: 'POST' })).status).toBe(404);
    expect(await counts(registry)).toEqual(['GET /users/:id 200 1', 'POST <unmatched> 404 1']);
  });

  it('serves the metrics through inject() as on a socket', async () => {
    const { app } = await start(users);
    await app.inject('/users/1');
    const reply = await app.inject({ url: '/metrics', headers: { accept: 'application/openmetrics-text' } });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(reply.body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1\n',
    );
  });

  it("is a real Fastify route: the app's logger and hooks see the metrics route", async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
    apps.push(app);
    const hooked: string[] = [];
    app.addHook('onRequest', async (request) => {
      hooked.push(`${request.method} ${request.routeOptions.url}`);
    });
    await app.register(pytheus, { registry: new CollectorRegistry() });
    expect((await app.inject('/metrics')).statusCode).toBe(200);
    expect(hooked).toEqual(['GET /metrics']);
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; req?: { url: string } });
    expect(logged.find((entry) => entry.msg === 'incoming request')?.req?.url).toBe('/metrics');
    expect(logged.some((entry) => entry.msg === 'request completed')).toBe(true);
  });

  it('serves the metrics at another path, or registers no route with metricsPath: false', async () => {
    const custom = await start(users, { metricsPath: '/internal/metrics' });
    expect((await custom.get('/internal/metrics')).statusCode).toBe(200);
    expect((await custom.get('/metrics')).statusCode).toBe(404);
    expect(custom.app.metrics.metricsPath).toBe('/internal/metrics');

    const none = await start(
      (app) => {
        users(app);
        // The app's own route, with the plugin's handler: protected as the app wants, and left untimed.
        app.get('/ops/metrics', { config: { metrics: false } }, app.metrics.handler);
      },
      { metricsPath: false },
    );
    expect(none.app.metrics.metricsPath).toBe(false);
    expect((await none.get('/metrics')).statusCode).toBe(404);
    await none.get('/users/1');
    const own = await none.get('/ops/metrics');
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain('route="/users/:id"');
    expect(await counts(none.registry)).toEqual(['GET <unmatched> 404 1', 'GET /users/:id 200 1']);

    // Or on another Fastify instance, a port of its own, for instance.
    const ops = newApp();
    ops.get('/metrics', none.app.metrics.handler);
    expect((await ops.inject('/metrics')).body).toBe(await generateMetrics(none.registry));
  });

  it("takes prefix as the metric names' prefix: Fastify's route prefix does not apply to the plugin", async () => {
    const { registry, get } = await start(users, { prefix: 'shop' });
    await get('/users/1');
    expect((await get('/shop/metrics')).statusCode).toBe(404);
    const text = (await get('/metrics')).body;
    expect(text).toContain(
      'shop_http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1\n',
    );
    expect(text).toBe(await generateMetrics(registry));
  });

  it('protects the metrics route with the authorize hook: 401, 403, 200', async () => {
    const token = 's3cret';
    const { app } = await start(users, {
      authorize: (request) => request.headers.get('authorization') === `Bearer ${token}`,
    });
    const none = await app.inject('/metrics');
    expect(none.statusCode).toBe(401);
    expect(none.body).toBe('unauthorized\n');
    expect(none.headers['www-authenticate']).toBe('Basic realm="metrics", Bearer realm="metrics"');
    const wrong = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(403);
    const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('# TYPE http_request_duration_seconds histogram');
  });

  it('merges routeOptions into the metrics route: its own hooks, log level and config; still untimed', async () => {
    const seen: unknown[] = [];
    // A key of the app's own (typed in its own FastifyContextConfig augmentation), and metrics: true, overridden.
    const config = { audience: 'ops', metrics: true };
    const { app, registry } = await start(users, {
      routeOptions: {
        logLevel: 'warn',
        config,
        onRequest: (request, reply, done) => {
          seen.push([request.routeOptions.logLevel, request.routeOptions.config]);
          if (request.headers['x-ops'] !== 'yes') reply.code(401).send('ops only');
          done();
        },
      },
    });
    const refused = await app.inject('/metrics');
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toBe('ops only');
    const ok = await app.inject({ url: '/metrics', method: 'HEAD', headers: { 'x-ops': 'yes' } });
    expect(ok.statusCode).toBe(200);
    const routeConfig = { audience: 'ops', metrics: false, url: '/metrics', method: ['GET', 'HEAD'] };
    expect(seen).toEqual([
      ['warn', routeConfig],
      ['warn', routeConfig],
    ]);
    expect(await counts(registry)).toEqual([]);
  });

  it('adds extra labels, exemplars and the opt-in size metrics', async () => {
    const { app, registry } = await start(
      (app) => {
        app.post('/echo', async (request) => request.body);
      },
      {
        extraLabels: { tenant: (request) => String(request.headers['x-tenant'] ?? 'none') },
        exemplar: (request) => ({ trace_id: String(request.headers['x-trace'] ?? '') }),
        requestSize: true,
        responseSize: true,
        requestsTotal: true,
      },
    );
    const body = JSON.stringify({ hello: 'world' });
    const port = await listen(app);
    const reply = await send(port, '/echo', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-tenant': 'acme', 'x-trace': 'abc' },
    });
    expect(reply.text).toBe(body);
    await send(port, '/echo', { method: 'HEAD' });
    const text = await generateMetrics(registry, { format: 'openmetrics' });
    const labels = 'method="POST",route="/echo",status_code="200",tenant="acme"';
    expect(text).toContain(`http_requests_total{${labels}} 1 # {trace_id="abc"} 1\n`);
    expect(text).toContain(`http_request_size_bytes_sum{${labels}} ${body.length}\n`);
    expect(text).toContain(`http_response_size_bytes_sum{${labels}} ${body.length}\n`);
    expect(text).toContain(
      'http_requests_total{method="HEAD",route="<unmatched>",status_code="404",tenant="none"} 1',
    );
  });

  it('a second app in the same process reuses the metrics; other options for the same names are refused', async () => {
    const registry = new CollectorRegistry();
    const first = await start(users, { registry });
    const second = await start(users, { registry });
    await first.get('/users/1');
    await second.get('/users/2');
    expect(await counts(registry)).toEqual(['GET /users/:id 200 2']);
    expect(second.app.metrics.duration).toBe(first.app.metrics.duration);
    await expect(newApp().register(pytheus, { registry, buckets: [1, 2, 3] })).rejects.toThrow(
      DuplicateMetricError,
    );
  });

  it('refuses unknown options and bad routeOptions with an HttpOptionsError that names them', async () => {
    const register = (options: unknown) => newApp().register(pytheus, options as FastifyMetricsOptions);
    await expect(register({ metricPath: '/m' })).rejects.toThrow(HttpOptionsError);
    await expect(register({ metricPath: '/m' })).rejects.toThrow(/"metricPath"/);
    await expect(register({ routeOptions: 'fast' })).rejects.toThrow(/"routeOptions" must be an object/);
    await expect(register({ routeOptions: { url: '/elsewhere' } })).rejects.toThrow(
      /"routeOptions" cannot set "url"/,
    );
    await expect(register({ maxRoutes: 0 })).rejects.toThrow(/"maxRoutes" must be a positive integer/);
  });

  it('decorates the app with typed metrics, and types config.metrics', async () => {
    const { app, registry } = await start((app) => {
      app.get('/typed', { config: { metrics: false } }, async () => 'typed');
      // @ts-expect-error config.metrics is a boolean
      app.get('/mistyped', { config: { metrics: 'no' } }, async () => 'mistyped');
    });
    expect(app.metrics.registry).toBe(registry);
    expect(app.metrics.duration.name).toBe('http_request_duration_seconds');
    expect(app.metrics.inFlight.name).toBe('http_requests_in_flight');
    expect(app.metrics.total).toBeUndefined();
    const answer = await app.metrics.scrape({ method: 'GET', accept: 'application/openmetrics-text' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });
});
