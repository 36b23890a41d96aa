// The app of the tests on real servers: the same routes on Node, Bun and Deno (runtime/app.ts) and in every process
// of the Redis tests, as in a real deployment. The metrics middleware is handed in, from the sources or the build.
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

/** The duration buckets of every process of the demo (processes that share a backend must agree on them). */
export const DEMO_BUCKETS: readonly number[] = [0.25, 5];

export function demoApp(middleware: MiddlewareHandler): Hono {
  const app = new Hono();
  app.use(middleware);
  app.use('/api/*', async (c, next) =>
    c.req.header('authorization') === 'Bearer t' ? next() : c.text('unauthorized', 401),
  );
  app.get('/api/users/:id', (c) => c.text(`user ${c.req.param('id')}`));
  const items = new Hono();
  items.get('/items/:id', (c) => c.json({ item: c.req.param('id') }));
  app.route('/t/:tenant', items);
  app.get('/users/:id', (c) => c.text(`user ${c.req.param('id')}`));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/teapot', () => {
    throw new HTTPException(418);
  });
  app.get('/slow/:id', async (c) => {
    console.log(`ARRIVED ${c.req.path}`);
    const signal = c.req.raw.signal;
    // Answers once the client is gone; after 3 s regardless, where a runtime would not abort the signal.
    await new Promise((resolve) => {
      signal.addEventListener('abort', resolve);
      setTimeout(resolve, 3000);
    });
    return c.text('too late');
  });
  app.onError((error, c) => (error instanceof HTTPException ? error.getResponse() : c.text('failed', 500)));
  return app;
}
