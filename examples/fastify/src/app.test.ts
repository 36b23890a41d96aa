import { CollectorRegistry } from '@pytheus/core';
import { expect, it } from 'vitest';
import { createApp } from './app.js';

it('times / and /slow in its own histogram and in the request metrics', async () => {
  const app = await createApp({ registry: new CollectorRegistry(), slowMs: 20 });
  expect((await app.inject('/')).body).toBe('hello world!\n');
  expect((await app.inject('/slow')).body).toBe('hello world! from slow!\n');
  const lines = (await app.inject('/metrics')).body.split('\n');
  expect(lines).toContain('page_visits_latency_seconds_labeled_count{speed="normal"} 1');
  expect(lines).toContain('page_visits_latency_seconds_labeled_count{speed="slow"} 1');
  expect(lines).toContain(
    'http_request_duration_seconds_count{method="GET",route="/slow",status_code="200"} 1',
  );
  await app.close();
});
