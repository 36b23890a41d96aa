import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MemoryBackend } from '@pytheus/backend-memory';
import { RedisBackend, type RedisBackendConfig } from '@pytheus/backend-redis';
import { CollectorRegistry, closeBackend, loadBackend, setDefaultRegistry } from '@pytheus/core';
import {
  eventually,
  idleInFlight,
  inFlightLines,
  send,
  startChildApp,
  TestRedis,
} from '@pytheus/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoApp } from './app.js';

let redis: TestRedis;
const children: ChildProcess[] = [];
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(apps.map((app) => app.close()));
  await closeBackend().catch(() => {});
  loadBackend({ backendClass: MemoryBackend });
  await redis?.remove();
});

function configFor(name: string): RedisBackendConfig {
  return { url: redis.url, keyPrefix: `fastify-${name}-${process.pid}:`, flushIntervalMs: 10 };
}

async function listening(app: FastifyInstance): Promise<number> {
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

/** The count lines of the duration histogram in a scrape, or the status of a scrape that failed. */
async function scrapeCounts(port: number): Promise<string[]> {
  const reply = await send(port, '/metrics');
  if (reply.status !== 200) return [`status ${reply.status}`];
  return reply.text
    .split('\n')
    .filter((line) => line.startsWith('http_request_duration_seconds_count'))
    .sort();
}

describe('the Fastify app on the Redis backend', () => {
  it('two processes count into the same numbers: one scrape shows the requests both served', async () => {
    const config = configFor('two');
    loadBackend({ backendClass: RedisBackend, backendConfig: config });
    const previous = setDefaultRegistry(new CollectorRegistry());
    try {
      const other = await startChildApp({
        cwd: join(import.meta.dirname, '..'),
        script: 'test/child.ts',
        backendClass: '@pytheus/backend-redis#RedisBackend',
        backendConfig: config,
      });
      children.push(other.child);
      const port = await listening(await demoApp());
      for (let i = 0; i < 3; i++) await send(port, `/users/${i}`);
      for (let i = 0; i < 5; i++) await send(other.port, `/users/${i}`);
      await send(other.port, '/api/acme/items/1');
      await send(port, '/api/globex/items/2');
      await send(other.port, '/nope');
      await send(port, '/users/9', { method: 'HEAD' });
      const expected = [
        'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 8',
        'http_request_duration_seconds_count{method="GET",route="/api/:tenant/items/:id",status_code="200"} 2',
        'http_request_duration_seconds_count{method="GET",route="<unmatched>",status_code="404"} 1',
        'http_request_duration_seconds_count{method="HEAD",route="/users/:id",status_code="200"} 1',
      ].sort();
      // The child ships its writes every 10 ms; a scrape of either process shows every request.
      expect(await eventually(() => scrapeCounts(port), expected)).toEqual(expected);
      expect(await eventually(() => scrapeCounts(other.port), expected)).toEqual(expected);
      // In flight is per process (a process that dies takes its count with it): one series each, back at zero.
      expect(inFlightLines((await send(port, '/metrics')).text, 'GET')).toEqual(
        idleInFlight([process.pid, other.child.pid!]),
      );
      other.child.stdin!.write('exit\n');
    } finally {
      setDefaultRegistry(previous);
      await closeBackend();
    }
  });

  it('answers 503 quickly, revealing nothing, while Redis is down; requests are still served and timed', async () => {
    loadBackend({ backendClass: RedisBackend, backendConfig: configFor('down') });
    const errors: unknown[] = [];
    try {
      const app = await demoApp({
        registry: new CollectorRegistry(),
        onError: (error) => errors.push(error),
      });
      const port = await listening(app);
      await send(port, '/users/0');
      expect((await send(port, '/metrics')).status).toBe(200);

      await redis.stop();
      for (let i = 1; i <= 5; i++) expect((await send(port, `/users/${i}`)).status).toBe(200);
      expect((await send(port, '/fail')).status).toBe(500);
      const started = performance.now();
      const down = await send(port, '/metrics');
      const elapsed = performance.now() - started;
      expect(down.status).toBe(503);
      expect(down.text).toBe('metrics unavailable\n');
      expect(down.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(down.headers['retry-after']).toBe('1');
      expect(elapsed).toBeLessThan(800);
      expect(errors.length).toBeGreaterThan(0);
      expect((await app.inject('/users/6')).statusCode).toBe(200);

      // Redis comes back empty (no persistence): the process notices the loss and restores all it counted, the
      // request before the outage included, with the writes made while Redis was down.
      await redis.run();
      const expected = [
        'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 7',
        'http_request_duration_seconds_count{method="GET",route="/fail",status_code="500"} 1',
      ].sort();
      expect(await eventually(() => scrapeCounts(port), expected, 10_000)).toEqual(expected);
    } finally {
      await closeBackend();
    }
  });
});
