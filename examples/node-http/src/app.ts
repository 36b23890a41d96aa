import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CollectorRegistry, Counter, Gauge, Histogram } from '@pytheus/core';
import { metricsHandler } from '@pytheus/core/node';

/**
 * A small web service with three routes, as in pytheus' original example:
 * - `/` answers at once, `/slow` after a pause, and both are timed;
 * - `/metrics` is what Prometheus scrapes.
 */
export function createApp(options: { registry?: CollectorRegistry; slowMs?: number } = {}): Server {
  const registry = options.registry ?? new CollectorRegistry();
  const slowMs = options.slowMs ?? 1500;

  // One histogram without labels, one with a required label that a default makes observable.
  const latency = new Histogram('page_visits_latency_seconds', 'Time to serve a page.', { registry });
  const labelled = new Histogram('page_visits_latency_seconds_labeled', 'Time to serve a page, by speed.', {
    registry,
    requiredLabels: ['speed'],
    defaultLabels: { speed: 'normal' },
  });
  const visits = new Counter('page_visits_total', 'Pages served.', { registry, requiredLabels: ['path'] });
  const inFlight = new Gauge('page_visits_in_flight', 'Requests being served now.', { registry });

  const home = visits.labels({ path: '/' });
  const slowVisits = visits.labels({ path: '/slow' });
  const slowLatency = labelled.labels({ speed: 'slow' });
  const serveMetrics = metricsHandler({ registry });

  return createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/metrics') return serveMetrics(request, response);

    using _inFlight = inFlight.trackInprogress();
    if (path === '/') {
      using _timer = latency.time();
      using _labelledTimer = labelled.time();
      home.inc();
      response.end('hello world!\n');
    } else if (path === '/slow') {
      using _timer = latency.time();
      using _labelledTimer = slowLatency.time();
      slowVisits.inc();
      await sleep(slowMs);
      response.end('hello world! from slow!\n');
    } else {
      response.writeHead(404).end('not found\n');
    }
  });
}
