import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { MemoryBackend } from '@pytheus/backend-memory';
import { RedisBackend, type RedisBackendConfig } from '@pytheus/backend-redis';
import { CollectorRegistry, closeBackend, loadBackend, setDefaultRegistry } from '@pytheus/core';
import {
  close,
  eventually,
  idleInFlight,
  inFlightLines,
  listen,
  send,
  startChildApp,
  TestRedis,
} from '@pytheus/test-support';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoApp } from './app.js';

const packageRoot = join(import.meta.dirname, '..');

let redis: TestRedis;
const children: ChildProcess[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(servers.map(close));
  await closeBackend().catch(() => {});
  loadBackend({ backendClass: MemoryBackend });
  await redis?.remove();
});

function configFor(name: string): RedisBackendConfig {
  return { url: redis.url, keyPrefix: `express-${name}-${process.pid}:`, flushIntervalMs: 10 };
}

function durationCounts(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('http_request_duration_seconds_count'));
}

describe('the Express app on the Redis backend', () => {
  it('two processes count into the same numbers: one scrape shows the requests both served', async () => {
    const config = configFor('two');
    loadBackend({ backendClass: RedisBackend, backendConfig: config });
    const previous = setDefaultRegistry(new CollectorRegistry());
    try {
      const other = await startChildApp({
        cwd: packageRoot,
        script: 'test/child.ts',
        backendClass: '@pytheus/backend-redis#RedisBackend',
        backendConfig: config,
      });
      children.push(other.child);
      const server = demoApp(express).listen(0, '127.0.0.1');
      servers.push(server);
      const port = await listen(server);
      for (let i = 0; i < 3; i++) await send(port, `/users/${i}`);
      for (let i = 0; i < 5; i++) await send(other.port, `/users/${i}`);
      await send(other.port, '/api/acme/items/1');
      await send(port, '/api/globex/items/2');
      await send(other.port, '/nope');
      const expected = [
        'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 8',
        'http_request_duration_seconds_count{method="GET",route="/api/:tenant/items/:id",status_code="200"} 2',
        'http_request_duration_seconds_count{method="GET",route="<unmatched>",status_code="404"} 1',
      ];
      // The child ships its writes every 10 ms; a scrape of either process shows every request.
      const scrape = async (from: number) => durationCounts((await send(from, '/metrics')).text).sort();
      expect(await eventually(() => scrape(port), [...expected].sort())).toEqual([...expected].sort());
      expect(await eventually(() => scrape(other.port), [...expected].sort())).toEqual([...expected].sort());
      // In flight is per process (a process that dies takes its count with it): one series each, back at zero.
      expect(inFlightLines((await send(port, '/metrics')).text)).toEqual(
        idleInFlight([process.pid, other.child.pid!]),
      );
      other.child.stdin!.write('exit\n');
    } finally {
      setDefaultRegistry(previous);
      await closeBackend();
    }
  });

  it('answers 503 quickly, revealing nothing, while Redis is down; requests are still served and timed', async () => {
    const config = configFor('down');
    loadBackend({ backendClass: RedisBackend, backendConfig: config });
    const errors: unknown[] = [];
    const registry = new CollectorRegistry();
    try {
      const server = demoApp(express, { registry, onError: (error) => errors.push(error) }).listen(
        0,
        '127.0.0.1',
      );
      servers.push(server);
      const port = await listen(server);
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
      expect(elapsed).toBeLessThan(800);
      expect(errors.length).toBeGreaterThan(0);

      // Redis comes back empty (no persistence): the process notices the loss and restores all it counted, the
      // request before the outage included, with the writes made while Redis was down.
      await redis.run();
      const expected = [
        'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 6',
        'http_request_duration_seconds_count{method="GET",route="/fail",status_code="500"} 1',
      ];
      const scrape = async () => {
        const reply = await send(port, '/metrics');
        return reply.status === 200 ? durationCounts(reply.text) : [`status ${reply.status}`];
      };
      expect(await eventually(scrape, expected, 10_000)).toEqual(expected);
    } finally {
      await closeBackend();
    }
  });
});
