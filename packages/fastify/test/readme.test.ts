// The README's code is code that runs. Each of its TypeScript blocks is a region of a file in test/readme/ (the
// shared README check compares them and checks the links an npm user follows); here each file runs as a user runs
// it, importing @pytheus/fastify by name: the first one listens on 127.0.0.1 and is asked over HTTP, the others
// through inject().
import { join } from 'node:path';
import { CollectorRegistry, setDefaultRegistry } from '@pytheus/core';
import { closeAfterEach, describeReadmeExamples, durationLines, send, withEnv } from '@pytheus/test-support';
import { beforeEach, describe, expect, it } from 'vitest';

describeReadmeExamples({ root: join(import.meta.dirname, '..'), files: ['README.md'], shipped: true });

describe('the README examples, run', () => {
  const keep = closeAfterEach();
  // Each example counts into a default registry of its own.
  beforeEach(() => {
    setDefaultRegistry(new CollectorRegistry());
  });

  it('quick start: routes recorded with their full prefix, /health not timed, 404s unmatched', async () => {
    const { app } = await withEnv({ PORT: '0', HOST: '127.0.0.1' }, () => import('./readme/quick-start.js'));
    keep(app);
    const address = app.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1' });
    const port = (address as { port: number }).port;
    const item = await send(port, '/api/acme/items/7');
    expect([item.status, item.text]).toEqual([200, '{"tenant":"acme","id":"7"}']);
    expect((await send(port, '/health')).text).toBe('ok');
    expect((await send(port, '/wp-login.php')).status).toBe(404);

    const scrape = await send(port, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(durationLines(scrape.text)).toEqual(['GET /api/:tenant/items/:id 200 1', 'GET <unmatched> 404 1']);
  });

  it('a route untimed by its config answers, and only the timed route is recorded', async () => {
    const { app } = await import('./readme/untimed.js');
    keep(app);
    expect((await app.inject('/ready')).body).toBe('ready');
    expect((await app.inject('/live')).body).toBe('live');
    expect(durationLines((await app.inject('/metrics')).body)).toEqual(['GET /live 200 1']);
  });

  it('authorize: 401 without credentials, 403 with wrong ones, the metrics with the token; routeOptions merged', async () => {
    const { app, metricsRoute, token } = await import('./readme/protect.js');
    keep(app);
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/metrics', headers: { authorization: 'Bearer guess' } })).statusCode,
    ).toBe(403);
    const scrape = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toContain('# TYPE http_request_duration_seconds histogram\n');
    expect(metricsRoute).toMatchObject({ method: ['GET', 'HEAD'], logLevel: 'warn' });
  });

  it('metricsPath: false and app.metrics.handler on a route of its own, behind a hook, untimed', async () => {
    const { app, token } = await import('./readme/handler.js');
    keep(app);
    expect((await app.inject('/users/1')).body).toBe('user');
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    expect((await app.inject('/internal/metrics')).statusCode).toBe(401);
    const scrape = await app.inject({
      url: '/internal/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(scrape.statusCode).toBe(200);
    expect(durationLines(scrape.body)).toEqual(['GET /users/:id 200 1', 'GET <unmatched> 404 1']);
  });
});
