// The README's app for Bun, Deno and Workers: a module whose default export each of them serves.
// test/readme.test.ts serves it with Bun, with `deno serve`, and calls it as a Worker is called.
// #region exported
import { metrics } from '@pytheus/hono';
import { Hono } from 'hono';

const app = new Hono();
app.use(metrics());
app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));

export default app; // GET /metrics
// #endregion exported
