// The README's example for Node, as a user writes it. PORT and HOST come from the environment, so that
// test/readme.test.ts runs it on a free port of 127.0.0.1, sends it requests and scrapes it.
export { server };

// #region node
import { serve } from '@hono/node-server';
import { metrics } from '@pytheus/hono';
import { Hono } from 'hono';

const app = new Hono();
app.use(metrics({ ignorePaths: ['/health'] }));
app.get('/health', (c) => c.text('ok')); // not timed
app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));

const port = Number(process.env.PORT ?? 3000);
const server = serve({ fetch: app.fetch, port, hostname: process.env.HOST }); // GET /metrics
// #endregion node
