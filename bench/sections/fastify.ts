// The Fastify section: what request metrics cost a hello-world Fastify 5 app, `GET /users/:id`, in requests per
// second over loopback, for the app without a metrics plugin, with @pytheus/fastify and with fastify-metrics (the
// plugin users know, as it comes: a histogram and a summary per route, on @prometheus-io/client), measured in the
// same run by lib/http-load.ts (a process per app pinned to one core, wrk on the other, the apps loaded in turn
// round after round; costs paired with the bare app of the same round). Target: pytheus costs under 5% of the bare
// app's throughput.
//
// Needs wrk (Debian: apt-get install wrk) and taskset (util-linux). The per-request bookkeeping alone (the HTTP
// layer's start and finish against the anchors) is the express section's timed case: the layer is the same.
import pytheus from '@pytheus/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyMetrics from 'fastify-metrics';
import { serveIfAsked, throughputSection } from '../lib/http-load.js';
import { defineSection } from '../lib/section.js';

const VARIANTS = ['bare', 'pytheus', 'fastify-metrics'] as const;
type Variant = (typeof VARIANTS)[number];

const ROUNDS = Number(process.env.BENCH_FASTIFY_ROUNDS ?? 16);
const SECONDS = Number(process.env.BENCH_FASTIFY_SECONDS ?? 2);

/** The app each server process runs: Fastify's defaults (no logger), the plugin first. */
async function app(variant: Variant): Promise<FastifyInstance> {
  const app = Fastify();
  if (variant === 'pytheus') await app.register(pytheus);
  if (variant === 'fastify-metrics') await app.register(fastifyMetrics.default, { endpoint: '/metrics' });
  app.get<{ Params: { id: string } }>('/users/:id', async (request) => `hello ${request.params.id}`);
  return app;
}

export default defineSection({
  name: 'fastify',
  title: 'Fastify 5 plugins (figures above; no timed case of its own)',
  ...throughputSection('Fastify 5', {
    section: 'fastify',
    script: import.meta.url,
    variants: VARIANTS,
    rounds: ROUNDS,
    seconds: SECONDS,
  }),
  cases: [],
});

serveIfAsked(import.meta.url, VARIANTS, async (variant) => {
  const server = await app(variant);
  await server.listen({ port: 0, host: '127.0.0.1' });
  return (server.server.address() as { port: number }).port;
});
