// The README's code is code that runs. Each of its TypeScript blocks is a region of a file in test/readme/ (the
// shared README check compares them and checks the links an npm user follows); here each file runs as a user runs
// it, importing @pytheus/express by name, and is sent requests and scraped over HTTP on 127.0.0.1.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { CollectorRegistry, setDefaultRegistry } from '@pytheus/core';
import {
  closeAfterEach,
  describeReadmeExamples,
  durationLines,
  listen,
  portOf,
  send,
  withEnv,
} from '@pytheus/test-support';
import { beforeEach, describe, expect, it } from 'vitest';

describeReadmeExamples({ root: join(import.meta.dirname, '..'), files: ['README.md'], shipped: true });

describe('the README examples, run', () => {
  const keep = closeAfterEach();
  // Each example counts into a default registry of its own.
  beforeEach(() => {
    setDefaultRegistry(new CollectorRegistry());
  });

  it('quick start: routes recorded by template and mount path, /health not timed, 404s unmatched', async () => {
    const { server } = await withEnv(
      { PORT: '0', HOST: '127.0.0.1' },
      () => import('./readme/quick-start.js'),
    );
    const port = await portOf(keep(server));
    const item = await send(port, '/api/acme/items/7');
    expect([item.status, item.text]).toEqual([200, '{"id":"7"}']);
    expect((await send(port, '/api/globex/items/8')).status).toBe(200);
    expect((await send(port, '/health')).text).toBe('ok');
    expect((await send(port, '/wp-login.php')).status).toBe(404);

    const scrape = await send(port, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(durationLines(scrape.text)).toEqual(['GET /api/:tenant/items/:id 200 2', 'GET <unmatched> 404 1']);
    expect(scrape.text).toContain('# TYPE http_requests_in_flight gauge\n');
  });

  it('authorize: 401 without credentials, 403 with wrong ones, the metrics with the token', async () => {
    const { app, token } = await import('./readme/authorize.js');
    const port = await listen(keep(createServer(app)));
    expect((await send(port, '/metrics')).status).toBe(401);
    expect((await send(port, '/metrics', { headers: { authorization: 'Bearer guess' } })).status).toBe(403);
    const scrape = await send(port, '/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain('# TYPE http_request_duration_seconds histogram\n');
  });
});
