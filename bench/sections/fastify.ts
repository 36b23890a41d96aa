// The Fastify section: what request metrics cost a hello-world Fastify 5 app, `GET /users/:id`, in requests per
// second over loopback, for the app without a metrics plugin, with an empty onRequest hook, with @pytheus/fastify
// and with fastify-metrics (the plugin users know, as it comes: a histogram and a summary per route, on
// @prometheus-io/client), measured in the same run (lib/http-load.ts: pinned cores, fresh processes per trial,
// rounds in turn and sharing the core). Target: pytheus costs under 5% of the bare app's throughput. The empty hook
// separates what any plugin that sees every request costs a Fastify app (Fastify runs its onRequest hook chain only
// when a hook is added) from what the metrics cost on top of it.
//
// The per-request bookkeeping alone (the HTTP layer's start and finish against the anchors) is the express
// section's timed case: the layer is the same.
import { fileURLToPath } from 'node:url';
import pytheus from '@pytheus/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyMetrics from 'fastify-metrics';
import {
  type LoadFigures,
  listenForEnd,
  measureLoad,
  type PairedCost,
  printCostOver,
  printLoad,
  serveVariant,
  timeToEnd,
} from '../lib/http-load.js';
import { defineSection } from '../lib/section.js';

// `empty hook` is `app.addHook('onRequest', (request, reply, done) => done())`. `close listener` and
// `timing floor` are that hook doing the least any request metrics do, and the least that timing a request takes,
// to the raw response (lib/http-load.ts).
const VARIANTS = [
  'bare',
  'empty hook',
  'close listener',
  'timing floor',
  'pytheus',
  'fastify-metrics',
] as const;
type Variant = (typeof VARIANTS)[number];
const SCRIPT = fileURLToPath(import.meta.url);

/** The app each server process runs: Fastify's defaults (no logger), the plugin first. */
async function app(variant: Variant): Promise<FastifyInstance> {
  const app = Fastify();
  if (variant === 'empty hook') app.addHook('onRequest', (_request, _reply, done) => done());
  if (variant === 'close listener') {
    app.addHook('onRequest', (_request, reply, done) => {
      listenForEnd(reply.raw);
      done();
    });
  }
  if (variant === 'timing floor') {
    app.addHook('onRequest', (_request, reply, done) => {
      timeToEnd(reply.raw);
      done();
    });
  }
  if (variant === 'pytheus') await app.register(pytheus);
  if (variant === 'fastify-metrics') await app.register(fastifyMetrics.default, { endpoint: '/metrics' });
  app.get<{ Params: { id: string } }>('/users/:id', async (request) => `hello ${request.params.id}`);
  return app;
}

let figures: LoadFigures | undefined;
let overHook: Record<string, PairedCost> | undefined;

export default defineSection({
  name: 'fastify',
  title: 'Fastify 5 plugins (figures above; no timed case of its own)',
  before: async () => {
    figures = await measureLoad({
      section: 'fastify',
      variants: VARIANTS,
      script: SCRIPT,
      path: '/users/42',
      measured: 'pytheus',
      targetCost: 0.05,
    });
    if (figures !== undefined) {
      printLoad('Fastify 5 hello world, GET /users/:id', VARIANTS, 'pytheus', figures);
      overHook = printCostOver(figures, 'empty hook', [
        'close listener',
        'timing floor',
        'pytheus',
        'fastify-metrics',
      ]);
    }
  },
  extras: () => (figures === undefined ? undefined : { ...figures, costOverEmptyHook: overHook }),
  cases: [],
});

serveVariant(SCRIPT, VARIANTS, 'fastify', (variant) => {
  void app(variant).then(async (server) => {
    await server.listen({ port: 0, host: '127.0.0.1' });
    process.stdout.write(`PORT ${(server.server.address() as { port: number }).port}\n`);
  });
});
