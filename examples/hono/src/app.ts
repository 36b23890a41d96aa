import { setTimeout as sleep } from 'node:timers/promises';
import { type CollectorRegistry, Histogram } from '@pytheus/core';
import { metrics } from '@pytheus/hono';
import { Hono } from 'hono';

/**
 * The original pytheus example on Hono 4, in one process on the in-memory default: `/` answers at once, `/slow`
 * after a pause, both timed by one histogram of our own besides the middleware's request metrics, and `/metrics`
 * is what Prometheus scrapes.
 */
export function createApp(options: { slowMs?: number; registry?: CollectorRegistry } = {}): Hono {
  const slowMs = options.slowMs ?? 3000;
  const { registry } = options;
  // A required label that a default makes observable: `/` is speed="normal", `/slow` sets speed="slow".
  const latency = new Histogram('page_visits_latency_seconds_labeled', 'Time to serve a page, by speed.', {
    registry,
    requiredLabels: ['speed'],
    defaultLabels: { speed: 'normal' },
  });
  const slow = latency.labels({ speed: 'slow' });

  const app = new Hono();
  app.use(metrics({ registry }));
  app.get('/', (c) => {
    using _page = latency.time();
    return c.text('hello world!\n');
  });
  app.get('/slow', async (c) => {
    using _page = slow.time();
    await sleep(slowMs);
    return c.text('hello world! from slow!\n');
  });
  return app;
}
