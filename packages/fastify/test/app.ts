// The application the Redis and promtool tests run, in this process and in child processes: the same routes in
// every process, as in a real deployment. One route is declared before the plugin, the others after it.
import Fastify, { type FastifyInstance } from 'fastify';
import pytheus, { type FastifyMetricsOptions } from '../src/index.js';

export async function demoApp(options: FastifyMetricsOptions = {}): Promise<FastifyInstance> {
  const app = Fastify();
  app.get<{ Params: { id: string } }>('/users/:id', async (request) => `user ${request.params.id}`);
  await app.register(pytheus, { buckets: [0.1, 1], ...options });
  await app.register(
    async (tenant) => {
      tenant.get<{ Params: { id: string } }>('/items/:id', async (request) => `item ${request.params.id}`);
    },
    { prefix: '/api/:tenant' },
  );
  app.get('/fail', async () => {
    throw new Error('failure');
  });
  return app;
}
