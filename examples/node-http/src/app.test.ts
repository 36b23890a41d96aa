import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CollectorRegistry } from '@pytheus/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from './app.js';

const app = createApp({ registry: new CollectorRegistry(), slowMs: 20 });
let base: string;

beforeAll(async () => {
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(() => {
  app.close();
});

it('serves pages and counts and times them on /metrics', async () => {
  expect(await (await fetch(`${base}/`)).text()).toBe('hello world!\n');
  expect(await (await fetch(`${base}/`)).text()).toBe('hello world!\n');
  expect(await (await fetch(`${base}/slow`)).text()).toBe('hello world! from slow!\n');
  expect((await fetch(`${base}/nope`)).status).toBe(404);

  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  const lines = text.split('\n');
  expect(lines).toContain('page_visits_total{path="/"} 2');
  expect(lines).toContain('page_visits_total{path="/slow"} 1');
  expect(lines).toContain('page_visits_latency_seconds_count 3');
  expect(lines).toContain('page_visits_latency_seconds_labeled_count{speed="normal"} 2');
  expect(lines).toContain('page_visits_latency_seconds_labeled_count{speed="slow"} 1');
  // The slow request took at least 20 ms, so it is above the 0.01 s bucket.
  expect(lines).toContain('page_visits_latency_seconds_labeled_bucket{speed="slow",le="0.01"} 0');
  expect(lines).toContain('page_visits_in_flight 0');
});
