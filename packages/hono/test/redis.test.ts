// The demo app on the Redis backend, on Node through @hono/node-server: this process and a child process (the
// runtime test's app, loading the backend from PYTHEUS_BACKEND_*) count into the same numbers; with Redis stopped
// the endpoint answers 503 quickly while requests are still served and timed.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { MemoryBackend } from '@pytheus/backend-memory';
import { RedisBackend, type RedisBackendConfig } from '@pytheus/backend-redis';
import { CollectorRegistry, closeBackend, loadBackend, setDefaultRegistry } from '@pytheus/core';
import { durationLines, eventually, idleInFlight, inFlightLines, TestRedis } from '@pytheus/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HonoMetricsOptions, metrics } from '../src/index.js';
import { DEMO_BUCKETS, demoApp } from './app.js';
import { NODE_APP, type Running, run } from './process.js';

let redis: TestRedis;
const children: Running[] = [];
const servers: ServerType[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  for (const { child } of children) child.kill('SIGKILL');
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await closeBackend().catch(() => {});
  loadBackend({ backendClass: MemoryBackend });
  await redis?.remove();
});

function configFor(name: string): RedisBackendConfig {
  return { url: redis.url, keyPrefix: `hono-${name}-${process.pid}:`, flushIntervalMs: 10 };
}

/** Serves the demo app from the sources in this process; resolves with its port. */
function serveHere(options: HonoMetricsOptions = {}): Promise<number> {
  const app = demoApp(metrics({ buckets: DEMO_BUCKETS, ...options }));
  return new Promise((resolve) => {
    servers.push(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) => resolve(port)));
  });
}

const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`);

async function scrape(port: number): Promise<string[]> {
  const reply = await get(port, '/metrics');
  const text = await reply.text();
  return reply.status === 200 ? durationLines(text).sort() : [`status ${reply.status}`];
}

describe('the Hono app on the Redis backend', () => {
  it('two processes count into the same numbers: one scrape shows the requests both served', async () => {
    const config = configFor('two');
    loadBackend({ backendClass: RedisBackend, backendConfig: config });
    const previous = setDefaultRegistry(new CollectorRegistry());
    try {
      const configPath = join(tmpdir(), `pytheus-hono-${process.pid}-${Date.now()}.json`);
      writeFileSync(configPath, JSON.stringify(config));
      const other = await run(...NODE_APP, {
        PYTHEUS_BACKEND_CLASS: '@pytheus/backend-redis#RedisBackend',
        PYTHEUS_BACKEND_CONFIG: configPath,
      });
      children.push(other);
      const port = await serveHere();
      for (let i = 0; i < 3; i++) await (await get(port, `/users/${i}`)).text();
      for (let i = 0; i < 5; i++) await (await get(other.port, `/users/${i}`)).text();
      await (await get(other.port, '/t/acme/items/1')).text();
      await (await get(port, '/t/globex/items/2')).text();
      await (await get(other.port, '/nope')).text();
      await (await get(port, '/api/users/1')).text();
      const expected = [
        'GET /users/:id 200 8',
        'GET /t/:tenant/items/:id 200 2',
        'GET <unmatched> 404 1',
        'GET /api/users/:id 401 1',
      ].sort();
      // The child ships its writes every 10 ms; a scrape of either process shows every request.
      expect(await eventually(() => scrape(port), expected, 5000)).toEqual(expected);
      expect(await eventually(() => scrape(other.port), expected, 5000)).toEqual(expected);
      // In flight is per process (a process that dies takes its count with it): one series each, back at zero.
      expect(inFlightLines(await (await get(port, '/metrics')).text())).toEqual(
        idleInFlight([process.pid, other.child.pid!]),
      );
    } finally {
      setDefaultRegistry(previous);
      await closeBackend();
    }
  });

  it('answers 503 quickly, revealing nothing, while Redis is down; requests are still served and timed', async () => {
    loadBackend({ backendClass: RedisBackend, backendConfig: configFor('down') });
    const errors: unknown[] = [];
    try {
      const port = await serveHere({
        registry: new CollectorRegistry(),
        onError: (error) => errors.push(error),
      });
      await (await get(port, '/users/0')).text();
      expect((await get(port, '/metrics')).status).toBe(200);

      await redis.stop();
      for (let i = 1; i <= 5; i++) expect((await get(port, `/users/${i}`)).status).toBe(200);
      expect((await get(port, '/boom')).status).toBe(500);
      const started = performance.now();
      const down = await get(port, '/metrics');
      const elapsed = performance.now() - started;
      expect(down.status).toBe(503);
      expect(await down.text()).toBe('metrics unavailable\n');
      expect(down.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(elapsed).toBeLessThan(800);
      expect(errors.length).toBeGreaterThan(0);

      // Redis comes back empty (no persistence): the process notices the loss and restores all it counted, the
      // request before the outage included, with the writes made while Redis was down.
      await redis.run();
      const expected = ['GET /users/:id 200 6', 'GET /boom 500 1'].sort();
      expect(await eventually(() => scrape(port), expected, 10_000)).toEqual(expected);
    } finally {
      await closeBackend();
    }
  });
});
