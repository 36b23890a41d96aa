// The Hono section: what request metrics cost a hello-world Hono 4 app on Node (@hono/node-server),
// `GET /users/:id`, in requests per second over loopback, for the app without middleware, with an empty
// middleware, with @pytheus/hono and with @hono/prometheus (the middleware Hono users know, on prom-client),
// measured in the same run (lib/http-load.ts: pinned cores, fresh processes per trial, rounds in turn and sharing
// the core). Target: pytheus costs under 5% of the bare app's throughput. The empty middleware separates what any
// middleware costs a Hono app (a lone handler runs directly; a chain runs through compose's promises, which
// @hono/node-server awaits on its slower path) from what the metrics cost on top of it.
//
// The timed case below is one request through `app.fetch()` in this process, Hono's dispatch included, as
// @hono/node-server calls it (its lightweight Response installed, an env with the server's response), with one
// Request reused so that building it does not drown the middleware: pytheus' middleware against
// @hono/prometheus (on prom-client; @prometheus-io/client has no Hono middleware).
import { fileURLToPath } from 'node:url';
import { getRequestListener, serve } from '@hono/node-server';
import { prometheus } from '@hono/prometheus';
import { CollectorRegistry } from '@pytheus/core';
import { metrics } from '@pytheus/hono';
import { Hono } from 'hono';
import { Registry as PromRegistry } from 'prom-client';
import {
  type LoadFigures,
  measureLoad,
  type PairedCost,
  printCostOver,
  printLoad,
  serveVariant,
} from '../lib/http-load.js';
import { pytheusTotal } from '../lib/readback.js';
import { defineSection } from '../lib/section.js';

// `empty middleware` is `async (c, next) => { await next(); }`.
const VARIANTS = ['bare', 'empty middleware', 'pytheus', '@hono/prometheus'] as const;
type Variant = (typeof VARIANTS)[number];
const SCRIPT = fileURLToPath(import.meta.url);

/** The app each server process runs (and the timed case, with a registry of its own). */
function app(variant: Variant, registry?: CollectorRegistry | PromRegistry): Hono {
  const app = new Hono();
  if (variant === 'empty middleware') {
    app.use(async (_c, next) => {
      await next();
    });
  }
  if (variant === 'pytheus') app.use(metrics({ registry: registry as CollectorRegistry | undefined }));
  if (variant === '@hono/prometheus') {
    const { registerMetrics, printMetrics } = prometheus({ registry: registry as PromRegistry | undefined });
    app.use('*', registerMetrics);
    app.get('/metrics', printMetrics);
  }
  app.get('/users/:id', (c) => c.text(`hello ${c.req.param('id')}`));
  return app;
}

let figures: LoadFigures | undefined;
let overMiddleware: Record<string, PairedCost> | undefined;

export default defineSection({
  name: 'hono',
  title: "One request through Hono's app.fetch() with the metrics middleware, in this process",
  before: async () => {
    figures = await measureLoad({
      section: 'hono',
      variants: VARIANTS,
      script: SCRIPT,
      path: '/users/42',
      measured: 'pytheus',
      targetCost: 0.05,
    });
    if (figures !== undefined) {
      printLoad('Hono 4 hello world on @hono/node-server, GET /users/:id', VARIANTS, 'pytheus', figures);
      overMiddleware = printCostOver(figures, 'empty middleware', ['pytheus', '@hono/prometheus']);
    }
  },
  extras: () => (figures === undefined ? undefined : { ...figures, costOverEmptyMiddleware: overMiddleware }),
  cases: [
    {
      kind: 'timed',
      name: 'app.fetch(GET /users/42), dispatch and middleware (prom-client: @hono/prometheus)',
      setup: {
        pytheus: () => {
          const registry = new CollectorRegistry();
          return { op: fetchThrough(app('pytheus', registry)), check: () => pytheusTotal(registry) };
        },
        'prom-client': () => {
          const registry = new PromRegistry();
          return {
            op: fetchThrough(app('@hono/prometheus', registry)),
            check: async () => (await registry.getSingleMetricAsString('http_requests_total')).length,
          };
        },
      },
    },
  ],
});

// What @hono/node-server hands the app, minus the socket: its Response class (installed by getRequestListener)
// and an env holding the server's response (the middleware reads `destroyed` there for 499).
function fetchThrough(timed: Hono): () => unknown {
  getRequestListener(timed.fetch);
  const request = new Request('http://127.0.0.1/users/42');
  const env = { incoming: {}, outgoing: { destroyed: false } };
  return () => timed.fetch(request, env);
}

serveVariant(SCRIPT, VARIANTS, 'hono', (variant) => {
  serve({ fetch: app(variant).fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) => {
    process.stdout.write(`PORT ${port}\n`);
  });
});
