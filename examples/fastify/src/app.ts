import { setTimeout as sleep } from 'node:timers/promises';
import { type CollectorRegistry, Histogram } from '@pytheus/core';
import pytheus from '@pytheus/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The original pytheus example on Fastify 5, in one process on the in-memory default: `/` answers at once,
 * `/slow` after a pause, both timed by one histogram of our own besides the plugin's request metrics, and
 * `/metrics` is what Prometheus scrapes.
 */
export async function createApp(
  options: { slowMs?: number; registry?: CollectorRegistry } = {},
): Promise<FastifyInstance> {
  const slowMs = options.slowMs ?? 3000;
  const { registry } = options;
  // A required label that a default makes observable: `/` is speed="normal", `/slow` sets speed="slow".
  const latency = new Histogram('page_visits_latency_seconds_labeled', 'Time to serve a page, by speed.', {
    registry,
    requiredLabels: ['speed'],
    defaultLabels: { speed: 'normal' },
  });
  const slow = latency.labels({ speed: 'slow' });

  const app = Fastify();
  await app.register(pytheus, { registry });
  app.get('/', async () => {
    using _page = latency.time();
    return 'hello world!\n';
  });
  app.get('/slow', async () => {
    using _page = slow.time();
    await sleep(slowMs);
    return 'hello world! from slow!\n';
  });
  return app;
}
