import { setTimeout as sleep } from 'node:timers/promises';
import { type CollectorRegistry, Histogram } from '@pytheus/core';
import { metrics } from '@pytheus/express';
import express from 'express';

/**
 * pytheus' original example: `/` answers at once, `/slow` after a pause (so its observations land in the high
 * buckets), and `/metrics` is what Prometheus scrapes. Both pages are timed by two histograms of our own, one
 * without labels and one whose required label `speed` a default makes observable, besides the request metrics
 * of @pytheus/express.
 */
export function createApp(options: { slowMs?: number; registry?: CollectorRegistry } = {}): express.Express {
  const slowMs = options.slowMs ?? 3000;
  const { registry } = options;

  const latency = new Histogram('page_visits_latency_seconds', 'Time to serve a page.', { registry });
  const labeled = new Histogram('page_visits_latency_seconds_labeled', 'Time to serve a page, by speed.', {
    registry,
    requiredLabels: ['speed'],
    defaultLabels: { speed: 'normal' },
  });
  const slow = labeled.labels({ speed: 'slow' });

  const app = express();
  // Which worker of the fleet answered: any of them serves any request, and every /metrics shows all of them.
  app.use((_request, response, next) => {
    response.set('x-served-by', String(process.pid));
    next();
  });
  app.use(metrics({ registry }));
  app.get('/', (_request, response) => {
    using _page = latency.time();
    using _normal = labeled.time(); // speed="normal", the default
    response.send('hello world!\n');
  });
  app.get('/slow', async (_request, response) => {
    using _page = latency.time();
    using _slow = slow.time();
    await sleep(slowMs);
    response.send('hello world! from slow!\n');
  });
  return app;
}
