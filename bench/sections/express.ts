// The Express section: what request metrics cost a hello-world Express 5 app, `GET /users/:id`, in requests per
// second over loopback, for the app without middleware, with an empty middleware, with @pytheus/express and with
// express-prom-bundle (the adapter users know), measured in the same run (lib/http-load.ts: pinned cores, fresh
// processes per trial, rounds in turn and sharing the core). Target: pytheus costs under 5% of the bare app's
// throughput. The empty middleware separates what any middleware costs an Express app (one more layer for the router
// to match and step through, on every request) from what the metrics cost on top of it.
//
// The timed case below is the per-request bookkeeping alone, in this process: pytheus' HTTP layer start/finish
// against the same work done by hand with each anchor (a histogram observation with three labels, and an
// in-flight gauge up and down).
import { fileURLToPath } from 'node:url';
import { Gauge as PioGauge, Histogram as PioHistogram, Registry as PioRegistry } from '@prometheus-io/client';
import { CollectorRegistry } from '@pytheus/core';
import { createHttpMetrics } from '@pytheus/core/http';
import { metrics } from '@pytheus/express';
import express from 'express';
import promBundle from 'express-prom-bundle';
import { Gauge as PromGauge, Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';
import {
  type LoadFigures,
  listenForEnd,
  measureLoad,
  type PairedCost,
  printCostOver,
  printLoad,
  serveVariant,
  timeAround,
  timeToEnd,
} from '../lib/http-load.js';
import { pytheusTotal } from '../lib/readback.js';
import { defineSection } from '../lib/section.js';
import { BUCKETS, LATENCIES } from '../lib/workload.js';

// `empty middleware` is `(req, res, next) => next()`. `close listener` and `timing floor` are that middleware
// doing the least any request metrics do, and the least that timing a request takes (lib/http-load.ts).
// `timing floor, sync` is the least that timing takes when the handler answers before `next()` returns, as
// this app's does: a clock read on each side of `next()`, no listener; @pytheus/express records such a
// response there too, so this is its floor.
const VARIANTS = [
  'bare',
  'empty middleware',
  'close listener',
  'timing floor',
  'timing floor, sync',
  'pytheus',
  'express-prom-bundle',
  'express-prom-bundle, defaults',
] as const;
// The same app with an async handler (`await` before it answers), bare and with pytheus: a response that is
// not complete when the middleware chain returns, which the middleware records on its `close` (a response the
// handler completed at once it records without a listener).
const ASYNC_VARIANTS = ['bare, async handler', 'pytheus, async handler'] as const;
type Variant = (typeof VARIANTS)[number] | (typeof ASYNC_VARIANTS)[number];
const SCRIPT = fileURLToPath(import.meta.url);

/** The app each server process runs. */
function app(variant: Variant): express.Express {
  const app = express();
  if (variant === 'empty middleware') app.use((_req, _res, next) => next());
  if (variant === 'close listener') {
    app.use((_req, res, next) => {
      listenForEnd(res);
      next();
    });
  }
  if (variant === 'timing floor') {
    app.use((_req, res, next) => {
      timeToEnd(res);
      next();
    });
  }
  if (variant === 'timing floor, sync') app.use((_req, _res, next) => timeAround(next));
  if (variant === 'pytheus' || variant === 'pytheus, async handler') app.use(metrics());
  // Labels like ours: method, path (its route template) and status.
  if (variant === 'express-prom-bundle') app.use(promBundle({ includeMethod: true, includePath: true }));
  // As users get it without options: the status code alone.
  if (variant === 'express-prom-bundle, defaults') app.use(promBundle({}));
  if (variant.endsWith('async handler')) {
    app.get('/users/:id', async (req, res) => {
      await Promise.resolve();
      res.send(`hello ${req.params.id}`);
    });
  } else {
    app.get('/users/:id', (req, res) => {
      res.send(`hello ${req.params.id}`);
    });
  }
  return app;
}

let figures: LoadFigures | undefined;
let asyncFigures: LoadFigures | undefined;
let overMiddleware: Record<string, PairedCost> | undefined;

// The per-request bookkeeping, done by hand with an anchor: what a middleware on it does for each request.
function anchorBookkeeping(
  Registry: typeof PromRegistry,
  HistogramClass: typeof PromHistogram,
  GaugeClass: typeof PromGauge,
) {
  const registers = [new Registry()];
  const duration = new HistogramClass({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS,
    registers,
  });
  const inFlight = new GaugeClass({
    name: 'http_requests_in_flight',
    help: 'In flight.',
    labelNames: ['method'],
    registers,
  });
  let i = 0;
  let observed = 0;
  return {
    op: () => {
      inFlight.labels({ method: 'GET' }).inc();
      const start = performance.now();
      inFlight.labels({ method: 'GET' }).dec();
      duration
        .labels({ method: 'GET', route: '/users/:id', status_code: '200' })
        .observe((performance.now() - start) / 1000 + LATENCIES[i++ & 1023]!);
      observed++;
    },
    check: () => observed,
  };
}

export default defineSection({
  name: 'express',
  title: 'Per-request bookkeeping of HTTP metrics (start and finish of one request), in this process',
  before: async () => {
    const known = [...VARIANTS, ...ASYNC_VARIANTS];
    figures = await measureLoad({
      section: 'express',
      variants: VARIANTS,
      known,
      script: SCRIPT,
      path: '/users/42',
      measured: 'pytheus',
      targetCost: 0.05,
    });
    if (figures !== undefined) {
      printLoad('Express 5 hello world, GET /users/:id', VARIANTS, 'pytheus', figures);
      overMiddleware = printCostOver(figures, 'empty middleware', VARIANTS.slice(2));
    }
    asyncFigures = await measureLoad({
      section: 'express',
      variants: ASYNC_VARIANTS,
      known,
      script: SCRIPT,
      path: '/users/42',
      measured: 'pytheus, async handler',
      targetCost: 0.05,
    });
    if (asyncFigures !== undefined) {
      printLoad(
        'Express 5, the same with an async handler',
        ASYNC_VARIANTS,
        'pytheus, async handler',
        asyncFigures,
      );
    }
  },
  extras: () =>
    figures === undefined && asyncFigures === undefined
      ? undefined
      : { ...figures, costOverEmptyMiddleware: overMiddleware, asyncHandler: asyncFigures },
  cases: [
    {
      kind: 'timed',
      name: 'one request: in-flight up and down, duration observed with method, route, status',
      setup: {
        pytheus: () => {
          const registry = new CollectorRegistry();
          const http = createHttpMetrics({ registry, buckets: BUCKETS });
          const outcome = { route: '/users/:id', statusCode: 200 };
          return {
            op: () => http.start('GET', null, null).finish(outcome),
            check: () => pytheusTotal(registry),
          };
        },
        'prom-client': () => anchorBookkeeping(PromRegistry, PromHistogram, PromGauge),
        '@prometheus-io/client': () =>
          anchorBookkeeping(
            PioRegistry as unknown as typeof PromRegistry,
            PioHistogram as unknown as typeof PromHistogram,
            PioGauge as unknown as typeof PromGauge,
          ),
      },
    },
  ],
});

serveVariant(SCRIPT, [...VARIANTS, ...ASYNC_VARIANTS], 'express', (variant) => {
  const server = app(variant).listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${(server.address() as { port: number }).port}\n`);
  });
});
