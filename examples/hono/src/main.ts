import { serve } from '@hono/node-server';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 8080);
const hostname = process.env.HOST ?? '127.0.0.1';
const server = serve(
  { fetch: createApp({ slowMs: Number(process.env.SLOW_MS ?? 3000) }).fetch, port, hostname },
  () => {
    console.log(
      `pytheus hono example listening on http://${hostname}:${port}: try / and /slow, then /metrics`,
    );
  },
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
