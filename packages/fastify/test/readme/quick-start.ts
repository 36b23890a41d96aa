// The README's first example, as a user writes it. PORT and HOST come from the environment, so that
// test/readme.test.ts runs it on a free port of 127.0.0.1, sends it requests and scrapes it.
export { app };

// #region quick-start
import pytheus from '@pytheus/fastify';
import Fastify from 'fastify';

const app = Fastify();
await app.register(pytheus, { ignorePaths: ['/health'] }); // the whole app, routes before and after it

app.get('/health', async () => 'ok');
app.register(
  async (api) => {
    api.get('/items/:id', async (request) => request.params); // route="/api/:tenant/items/:id"
  },
  { prefix: '/api/:tenant' },
);

await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST }); // GET /metrics
// #endregion quick-start
