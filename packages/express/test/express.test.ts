import type { Server } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { CollectorRegistry, DuplicateMetricError, generateMetrics } from '@pytheus/core';
import { close, durationLines, eventually, hangUp, inFlightLines, send, signal } from '@pytheus/test-support';
import express5 from 'express';
import express4 from 'express4';
import { afterAll, describe, expect, it } from 'vitest';
import { type ExpressMetricsOptions, HttpOptionsError, metrics } from '../src/index.js';

// Both majors run the same suite; their routers differ (Express 5: router 2 and path-to-regexp 8).
type Express = typeof express5;
const versions: [string, Express][] = [
  ['Express 5', express5],
  ['Express 4', express4 as unknown as Express],
];

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map(close));
});

async function start(
  express: Express,
  build: (app: ReturnType<Express>) => void,
  options: ExpressMetricsOptions = {},
) {
  const registry = options.registry ?? new CollectorRegistry();
  const app = express();
  app.use(metrics({ registry, buckets: [0.5], ...options }));
  build(app);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  return { registry, port, server, get: (path: string) => send(port, path) };
}

/** `route status count` for every series of the duration histogram, in exposition order. */
async function counts(registry: CollectorRegistry): Promise<string[]> {
  return durationLines(await generateMetrics(registry));
}

/** The route most tests serve. */
function users(app: ReturnType<Express>): void {
  app.get('/users/:id', (_req, res) => {
    res.send('user');
  });
}

async function inFlight(registry: CollectorRegistry): Promise<string[]> {
  return inFlightLines(await generateMetrics(registry));
}

describe.each(versions)('%s', (_, express) => {
  it('labels routes with their template and every mount path, whatever the concrete path', async () => {
    const { registry, get } = await start(express, (app) => {
      const tenant = express.Router({ mergeParams: true });
      const items = express.Router();
      items.get('/:id', (req, res) => {
        res.send(`item ${req.params.id}`);
      });
      tenant.use('/items', items);
      tenant.get('/', (_req, res) => {
        res.send('tenant');
      });
      app.use('/api/:tenant', tenant);
      app.get('/users/:id', (req, res) => {
        res.send(req.params.id);
      });
    });
    expect((await get('/api/acme/items/1')).text).toBe('item 1');
    await get('/api/globex/items/2?full=1');
    await get('/api/api/items/3'); // a tenant named like the literal before it
    await get('/API/Initech/items/4'); // routing ignores case; the label does not vary with it
    await get('/api/acme');
    await get('/api/acme/');
    await get('/users/7');
    expect(await counts(registry)).toEqual([
      'GET /api/:tenant/items/:id 200 4',
      'GET /api/:tenant 200 2',
      'GET /users/:id 200 1',
    ]);
  });

  it('records consecutive requests that differ in route, method, status or mount each in its own series', async () => {
    const { registry, port, get } = await start(express, (app) => {
      app.all('/users/:id', (req, res) => {
        res.status(req.params.id === '404' ? 404 : 200).send('user');
      });
      app.get('/items/:id', (_req, res) => {
        res.send('item');
      });
      // One route object under two mounts: its template depends on the request.
      const shared = express.Router();
      shared.get('/x', (_req, res) => {
        res.send('x');
      });
      app.use('/a', shared);
      app.use('/b', shared);
    });
    for (const path of ['/users/1', '/users/2', '/users/404', '/users/3', '/items/1', '/users/4'])
      await get(path);
    await send(port, '/users/5', { method: 'POST' });
    await get('/users/6');
    for (const path of ['/a/x', '/b/x', '/a/x', '/a/x', '/b/x']) await get(path);
    expect(await counts(registry)).toEqual([
      'GET /users/:id 200 5',
      'GET /users/:id 404 1',
      'GET /items/:id 200 1',
      'POST /users/:id 200 1',
      'GET /a/x 200 3',
      'GET /b/x 200 2',
    ]);
    expect(await inFlight(registry)).toEqual([
      'http_requests_in_flight{method="GET"} 0',
      'http_requests_in_flight{method="POST"} 0',
    ]);
  });

  it('labels array routes with their paths and RegExp routes with their source', async () => {
    const { registry, get } = await start(express, (app) => {
      app.get(['/a', '/b/:x'], (_req, res) => {
        res.send('ab');
      });
      app.get(/^\/files\/.+\.txt$/, (_req, res) => {
        res.send('file');
      });
    });
    await get('/a');
    await get('/b/1');
    await get('/files/x/y.txt');
    await get('/files/z.txt');
    expect(await counts(registry)).toEqual(['GET /a,/b/:x 200 2', 'GET /^\\\\/files\\\\/.+\\\\.txt$/ 200 2']);
  });

  it('records errors with the status the app-level error handler sent, and the route that threw', async () => {
    const { registry, get } = await start(express, (app) => {
      const tenant = express.Router();
      tenant.get('/orders/:id', () => {
        throw new Error('database down');
      });
      tenant.get('/later/:id', (_req, _res, next) => {
        setTimeout(() => next(new Error('timeout')), 1);
      });
      app.use('/t/:tenant', tenant);
      app.get('/plain', () => {
        throw new Error('no handler of our own: Express answers 500');
      });
      app.use((error: Error, _req: unknown, res: express5.Response, next: express5.NextFunction) => {
        if (error.message === 'timeout') next(error);
        else res.status(503).send('sorry');
      });
    });
    expect((await get('/t/acme/orders/9')).status).toBe(503);
    expect((await get('/t/acme/later/9')).status).toBe(500);
    expect((await get('/plain')).status).toBe(503);
    expect(await counts(registry)).toEqual([
      'GET /t/:tenant/orders/:id 503 1',
      'GET /t/:tenant/later/:id 500 1',
      'GET /plain 503 1',
    ]);
  });

  it('collapses 404s, scanner paths and a flood of 10,000 random paths into one series', async () => {
    const { registry, get } = await start(express, users);
    for (const path of ['/wp-login.php', '/.env', '/admin/config.php', '/users', '/users/1/2']) {
      expect((await get(path)).status).toBe(404);
    }
    await get('/users/1');
    const before = await generateMetrics(registry);
    const lines = before.split('\n').length;
    const paths = Array.from({ length: 10_000 }, (_, i) => `/${Math.random().toString(36).slice(2)}/${i}`);
    for (let i = 0; i < paths.length; i += 50) await Promise.all(paths.slice(i, i + 50).map(get));
    const after = await generateMetrics(registry);
    expect(after.split('\n').length).toBe(lines);
    expect(await counts(registry)).toEqual(['GET <unmatched> 404 10005', 'GET /users/:id 200 1']);
    // 10,000 real requests: seconds on a quiet machine, many more on a loaded one.
  }, 90_000);

  it('puts methods outside the standard set under _OTHER', async () => {
    const { registry, port } = await start(express, (app) => {
      app.all('/any', (req, res) => {
        res.send(req.method);
      });
    });
    for (const method of ['GET', 'PATCH', 'PROPFIND', 'MKCOL']) await send(port, '/any', { method });
    expect(await counts(registry)).toEqual(['GET /any 200 1', 'PATCH /any 200 1', '_OTHER /any 200 2']);
  });

  it('counts a request in flight while its response goes on: a handler that waits, a body the socket cannot take at once', async () => {
    const { reached: released, reach: release } = signal();
    const { reached: bigSent, reach: bodySent } = signal();
    const body = Buffer.alloc(32 * 1024 * 1024, 'x'); // more than the loopback socket's buffers hold
    const { registry, get, port } = await start(express, (app) => {
      app.get('/wait', (_req, res) => {
        void released.then(() => res.send('done'));
      });
      app.get('/big', (_req, res) => {
        res.send(body);
        bodySent();
      });
    });
    const waiting = get('/wait');
    expect(await eventually(() => inFlight(registry), ['http_requests_in_flight{method="GET"} 1'])).toEqual([
      'http_requests_in_flight{method="GET"} 1',
    ]);
    release();
    expect((await waiting).status).toBe(200);
    // A client that reads nothing yet: the handler has answered, but most of the body waits in the socket.
    const client = connect(port, '127.0.0.1');
    client.pause();
    client.write('GET /big HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
    await bigSent;
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 1']);
    expect(await counts(registry)).toEqual(['GET /wait 200 1']);
    const read = new Promise<void>((resolve) => client.on('end', resolve));
    client.resume();
    await read;
    expect(await eventually(() => counts(registry), ['GET /wait 200 1', 'GET /big 200 1'])).toEqual([
      'GET /wait 200 1',
      'GET /big 200 1',
    ]);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('records a client that hangs up before the response as 499; in-flight returns to zero', async () => {
    const { reached: serverHasIt, reach: arrived } = signal();
    const { reached: gone, reach: released } = signal();
    const { registry, get, port } = await start(express, (app) => {
      app.get('/slow/:id', (_req, res) => {
        arrived();
        // Answers only after the client is gone.
        res.on('close', () => released());
      });
    });
    await hangUp(port, '/slow/1', serverHasIt);
    await gone;
    expect(await eventually(() => counts(registry), ['GET /slow/:id 499 1'])).toEqual([
      'GET /slow/:id 499 1',
    ]);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
    await get('/slow-not-there');
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('records a client that left while a middleware ahead of it waited as 499; in-flight returns to zero', async () => {
    const registry = new CollectorRegistry();
    const app = express();
    const { reached: serverHasIt, reach: arrived } = signal();
    const { reached: gone, reach: left } = signal();
    // Holds the request until its client has gone: the metrics middleware sees a response closed already.
    app.use((_req, res, next) => {
      res.on('close', () => left());
      arrived();
      void gone.then(() => setImmediate(next));
    });
    app.use(metrics({ registry, buckets: [0.5] }));
    users(app);
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    await hangUp((server.address() as { port: number }).port, '/users/1', serverHasIt);
    await gone;
    expect(await eventually(() => counts(registry), ['GET /users/:id 499 1'])).toEqual([
      'GET /users/:id 499 1',
    ]);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('records a response a middleware ahead of it sent and closed with its status, not as a hang-up', async () => {
    const registry = new CollectorRegistry();
    const app = express();
    const { reached: onward, reach: passed } = signal();
    // Answers, and passes the request on only once the response has closed.
    app.use((_req, res, next) => {
      res.on('close', () =>
        setImmediate(() => {
          next();
          passed();
        }),
      );
      res.status(202).send('early');
    });
    app.use(metrics({ registry, buckets: [0.5] }));
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    expect((await send((server.address() as { port: number }).port, '/early')).status).toBe(202);
    await onward;
    expect(await counts(registry)).toEqual(['GET <unmatched> 202 1']);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('leaves ignored paths and the metrics path untimed', async () => {
    const { registry, get } = await start(
      express,
      (app) => {
        app.get('/health', (_req, res) => {
          res.send('ok');
        });
        app.get('/static/:file', (_req, res) => {
          res.send('file');
        });
        users(app);
      },
      { ignorePaths: ['/health', /^\/static\//] },
    );
    await get('/health');
    await get('/health?deep=1');
    await get('/static/app.js');
    await get('/metrics');
    await get('/users/1');
    expect(await counts(registry)).toEqual(['GET /users/:id 200 1']);
  });

  it('groups status codes into classes when asked', async () => {
    const { registry, get } = await start(
      express,
      (app) => {
        app.get('/s/:code', (req, res) => {
          res.status(Number(req.params.code)).send('');
        });
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

  it('serves the metrics path: negotiated format, exact content type, gzip, HEAD, 405 for other methods', async () => {
    const { port, get } = await start(express, users);
    await get('/users/1');
    const plain = await get('/metrics');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1\n',
    );
    expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
    const accept =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const om = await send(port, '/metrics', { headers: { accept, 'accept-encoding': 'gzip' } });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.headers['content-encoding']).toBe('gzip');
    const text = gunzipSync(om.body).toString('utf8');
    expect(text).toContain('# UNIT http_request_duration_seconds seconds\n');
    expect(text.endsWith('# EOF\n')).toBe(true);
    const head = await send(port, '/metrics', { method: 'HEAD', headers: { accept } });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(head.body.length).toBe(0);
    const post = await send(port, '/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('serves the metrics at another path, or nowhere with metricsPath: false', async () => {
    const custom = await start(express, () => {}, { metricsPath: '/internal/metrics' });
    expect((await custom.get('/internal/metrics')).status).toBe(200);
    expect((await custom.get('/metrics')).status).toBe(404);
    const none = await start(express, () => {}, { metricsPath: false });
    expect((await none.get('/metrics')).status).toBe(404);
    expect(await counts(none.registry)).toEqual(['GET <unmatched> 404 1']);
  });

  it('protects the metrics endpoint with the authorize hook: 401, 403, 200', async () => {
    const token = 's3cret';
    const { port } = await start(express, () => {}, {
      authorize: (request) => request.headers.get('authorization') === `Bearer ${token}`,
    });
    const none = await send(port, '/metrics');
    expect(none.status).toBe(401);
    expect(none.text).toBe('unauthorized\n');
    expect((await send(port, '/metrics', { headers: { authorization: 'Bearer nope' } })).status).toBe(403);
    const ok = await send(port, '/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('# TYPE http_request_duration_seconds histogram');
  });

  it('adds extra labels, exemplars and the opt-in size metrics', async () => {
    const { registry, port } = await start(
      express,
      (app) => {
        app.use(express.json());
        app.post('/echo', (req, res) => {
          res.json(req.body);
        });
      },
      {
        extraLabels: { tenant: (req) => String(req.headers['x-tenant'] ?? 'none') },
        exemplar: (req) => ({ trace_id: String(req.headers['x-trace'] ?? '') }),
        requestSize: true,
        responseSize: true,
        requestsTotal: true,
      },
    );
    const body = JSON.stringify({ hello: 'world' });
    await send(port, '/echo', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-tenant': 'acme', 'x-trace': 'abc' },
    });
    const text = await generateMetrics(registry, { format: 'openmetrics' });
    const labels = 'method="POST",route="/echo",status_code="200",tenant="acme"';
    expect(text).toContain(`http_requests_total{${labels}} 1 # {trace_id="abc"} 1\n`);
    expect(text).toContain(`http_request_size_bytes_sum{${labels}} ${body.length}\n`);
    expect(text).toContain(`http_response_size_bytes_sum{${labels}} ${body.length}\n`);
  });

  it('a second app in the same process reuses the metrics; other options for the same names throw', async () => {
    const registry = new CollectorRegistry();
    const first = await start(express, users, { registry });
    const second = await start(express, users, { registry });
    await first.get('/users/1');
    await second.get('/users/2');
    expect(await counts(registry)).toEqual(['GET /users/:id 200 2']);
    expect(() => metrics({ registry, buckets: [1, 2, 3] })).toThrow(DuplicateMetricError);
    expect(() => metrics({ registry, metricPath: '/m' } as never)).toThrow(HttpOptionsError);
    expect(() => metrics({ registry, metricPath: '/m' } as never)).toThrow(/"metricPath"/);
  });

  it('two middlewares on one request (an app and a sub-app, each its registry) both record it', async () => {
    const inner = new CollectorRegistry();
    const { registry, get } = await start(express, (app) => {
      const admin = express();
      admin.use(metrics({ registry: inner, buckets: [0.5] }));
      users(admin);
      app.use('/admin', admin);
    });
    await get('/admin/users/1');
    await get('/admin/users/2');
    expect(await counts(registry)).toEqual(['GET /admin/users/:id 200 2']);
    expect(await counts(inner)).toEqual(['GET /admin/users/:id 200 2']);
    expect(await inFlight(registry)).toEqual(['http_requests_in_flight{method="GET"} 0']);
    expect(await inFlight(inner)).toEqual(['http_requests_in_flight{method="GET"} 0']);
  });

  it('labels routes of a sub-app with its mount path', async () => {
    const { registry, get } = await start(express, (app) => {
      const admin = express();
      users(admin);
      app.use('/admin', admin);
    });
    await get('/admin/users/1');
    await get('/admin/users/2');
    expect(await counts(registry)).toEqual(['GET /admin/users/:id 200 2']);
  });

  it('times every request that comes after it, including routes in a router mounted at a RegExp', async () => {
    const { registry, get } = await start(express, (app) => {
      const versioned = express.Router();
      versioned.get('/ping', (_req, res) => {
        res.send('pong');
      });
      app.use(/^\/v\d+/, versioned);
    });
    await get('/v1/ping');
    await get('/v22/ping');
    // Express 4 keeps the RegExp, whose source is the template; Express 5 keeps none, so the mount shows as such.
    const template = express === express5 ? '/(regexp)/ping' : '/^\\\\/v\\\\d+/ping';
    expect(await counts(registry)).toEqual([`GET ${template} 200 2`]);
  });
});

describe('Express 5 only', () => {
  it('records an async handler that rejects with the status sent (500 from Express, or the error handler)', async () => {
    const { registry, get } = await start(express5, (app) => {
      const api = express5.Router();
      api.get('/jobs/:id', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw new Error('async failure');
      });
      app.use('/api', api);
      app.get('/teapot', async () => {
        throw Object.assign(new Error('teapot'), { status: 418 });
      });
    });
    expect((await get('/api/jobs/1')).status).toBe(500);
    expect((await get('/teapot')).status).toBe(418);
    expect(await counts(registry)).toEqual(['GET /api/jobs/:id 500 1', 'GET /teapot 418 1']);
  });

  it('labels Express 5 wildcards and optional parts in mount paths with their template', async () => {
    const { registry, get } = await start(express5, (app) => {
      const repo = express5.Router();
      repo.get('/', (_req, res) => {
        res.send('repo');
      });
      app.use('/repo/:owner{/:name}', repo);
      const docs = express5.Router();
      docs.get('/', (_req, res) => {
        res.send('docs');
      });
      app.use('/docs/*page', docs);
    });
    await get('/repo/alice');
    await get('/repo/bob/tools');
    await get('/repo/bob/tools/');
    await get('/docs/guide/install');
    await get('/docs/faq');
    expect(await counts(registry)).toEqual([
      'GET /repo/:owner 200 1',
      'GET /repo/:owner/:name 200 2',
      'GET /docs/*page 200 2',
    ]);
  });
});
