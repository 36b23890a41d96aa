// The README's code is code that runs. Each of its TypeScript blocks is a region of a file in test/readme/ (the
// shared README check compares them and checks the links an npm user follows); here each file runs as a user runs
// it, importing @pytheus/hono by name: on Node over HTTP on 127.0.0.1 or through app.request(), and the app for
// Bun, Deno and Workers also under Bun (its default export given to Bun.serve) and under `deno serve`, each on the
// built package as installed, as the runtime tests run it.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { CollectorRegistry, setDefaultRegistry } from '@pytheus/core';
import {
  closeAfterEach,
  describeReadmeExamples,
  durationLines,
  portOf,
  send,
  withEnv,
} from '@pytheus/test-support';
import { beforeEach, describe, expect, it } from 'vitest';
import { bin, type Running, run } from './process.js';

describeReadmeExamples({ root: join(import.meta.dirname, '..'), files: ['README.md'], shipped: true });

const ON_127 = { HOST: '127.0.0.1' };

describe('the README examples, run', () => {
  const keep = closeAfterEach();
  // Each example counts into a default registry of its own.
  beforeEach(() => {
    setDefaultRegistry(new CollectorRegistry());
  });

  it('Node: the route of each handler recorded, /health not timed, 404s unmatched', async () => {
    const { server } = await withEnv({ ...ON_127, PORT: '0' }, () => import('./readme/node.js'));
    const port = await portOf(keep(server as Server));
    const user = await send(port, '/users/7');
    expect([user.status, user.text]).toEqual([200, '{"id":"7"}']);
    expect((await send(port, '/health')).text).toBe('ok');
    expect((await send(port, '/.env')).status).toBe(404);
    const scrape = await send(port, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(durationLines(scrape.text)).toEqual(['GET /users/:id 200 1', 'GET <unmatched> 404 1']);
  });

  it('Workers: the exported app answers fetch calls and counts them', async () => {
    const { default: app } = await import('./readme/exported.js');
    expect(await (await app.request('/users/1')).json()).toEqual({ id: '1' });
    expect(await (await app.request('/users/2')).json()).toEqual({ id: '2' });
    expect(durationLines(await (await app.request('/metrics')).text())).toEqual(['GET /users/:id 200 2']);
  });

  const EXPORTED = join('test', 'readme', 'exported.ts');
  const SERVED: [string, () => [string, string[], RegExp]][] = [
    [
      'Bun: Bun.serve with the exported app',
      () => [
        bin('bun'),
        [
          '-e',
          `import app from './${EXPORTED}';` +
            "const server = Bun.serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });" +
            "console.log('PORT ' + server.port);",
        ],
        /^PORT (\d+)$/,
      ],
    ],
    [
      'Deno: deno serve with the exported app',
      () => [
        bin('deno'),
        ['serve', '--no-lock', '--node-modules-dir=manual', '--port', '0', '--host', '127.0.0.1', EXPORTED],
        /Listening on http:\/\/127\.0\.0\.1:(\d+)\//,
      ],
    ],
  ];

  it.each(SERVED)('%s, asked over HTTP on 127.0.0.1', async (_, command) => {
    const [program, args, portLine] = command();
    let app: Running | undefined;
    try {
      app = await run(program, args, {}, portLine);
      const user = await send(app.port, '/users/1');
      expect([user.status, user.text]).toEqual([200, '{"id":"1"}']);
      const scrape = await send(app.port, '/metrics');
      expect(scrape.status).toBe(200);
      expect(durationLines(scrape.text)).toEqual(['GET /users/:id 200 1']);
    } finally {
      app?.child.kill('SIGKILL');
    }
  });

  it('authorize: 401 without credentials, 403 with wrong ones, the metrics with the token', async () => {
    const { app, token } = await import('./readme/authorize.js');
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer guess' } })).status).toBe(403);
    const scrape = await app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('# TYPE http_request_duration_seconds histogram\n');
  });

  it('metricsHandler: behind basic auth on a route of the app, and on a second app of its own port', async () => {
    const { admin, app, metricsServer, password, token, username } = await withEnv(
      { ...ON_127, METRICS_PORT: '0' },
      () => import('./readme/handler.js'),
    );
    keep(metricsServer as Server);
    expect((await app.request('/users/1')).status).toBe(200);
    expect((await app.request('/metrics')).status).toBe(404);
    expect((await app.request('/admin/metrics')).status).toBe(401);
    const basic = { authorization: `Basic ${btoa(`${username}:${password}`)}` };
    const scrape = await app.request('/admin/metrics', { headers: basic });
    expect(scrape.status).toBe(200);
    // The metrics route is never timed: the 401 and the scrape are not there.
    expect(durationLines(await scrape.text())).toEqual(['GET /users/:id 200 1', 'GET <unmatched> 404 1']);

    const port = await portOf(metricsServer as Server);
    expect((await send(port, '/metrics')).status).toBe(401);
    const own = await send(port, '/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(own.status).toBe(200);
    expect(durationLines(own.text)).toEqual(['GET /users/:id 200 1', 'GET <unmatched> 404 1']);
    expect((await admin.request('/metrics')).status).toBe(401);
  });
});
