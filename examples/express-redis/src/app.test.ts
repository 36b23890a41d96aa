import type { AddressInfo } from 'node:net';
import { CollectorRegistry } from '@pytheus/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from './app.js';

// The app in one process on the in-memory default; the fleet on Redis is what `pnpm test:e2e` runs.
const registry = new CollectorRegistry();
const app = createApp({ registry, slowMs: 20 });
let server: ReturnType<typeof app.listen>;
let base: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

it('times / and /slow in its own histograms and in the request metrics', async () => {
  expect(await (await fetch(`${base}/`)).text()).toBe('hello world!\n');
  expect(await (await fetch(`${base}/`)).text()).toBe('hello world!\n');
  expect(await (await fetch(`${base}/slow`)).text()).toBe('hello world! from slow!\n');
  const lines = (await (await fetch(`${base}/metrics`)).text()).split('\n');
  expect(lines).toContain('page_visits_latency_seconds_count 3');
  expect(lines).toContain('page_visits_latency_seconds_labeled_count{speed="normal"} 2');
  expect(lines).toContain('page_visits_latency_seconds_labeled_count{speed="slow"} 1');
  expect(lines).toContain('page_visits_latency_seconds_labeled_bucket{speed="slow",le="0.01"} 0');
  expect(lines).toContain('http_request_duration_seconds_count{method="GET",route="/",status_code="200"} 2');
  expect(lines).toContain(
    'http_request_duration_seconds_count{method="GET",route="/slow",status_code="200"} 1',
  );
  expect(lines).toContain('http_requests_in_flight{method="GET"} 0');
});
