// The test app served as it is on Node (@hono/node-server), Bun and Deno, with the built package (the code users
// install). It prints `PORT <port>` once it listens on 127.0.0.1 (and the app prints `ARRIVED <path>` when a
// request to /slow/:id has come in, so that the test can hang up on it). Deno runs it with --allow-net=127.0.0.1
// alone: `loadBackend()` reads PYTHEUS_BACKEND_* only where the runtime grants it, and uses memory otherwise.
import { loadBackend } from '@pytheus/core';
import { metrics } from '../../dist/index.js';
import { DEMO_BUCKETS, demoApp } from '../app.ts';

interface BunLike {
  serve(options: { port: number; hostname: string; fetch: typeof app.fetch }): { port: number };
}
interface DenoLike {
  serve(
    options: { port: number; hostname: string; onListen: (address: { port: number }) => void },
    handler: typeof app.fetch,
  ): unknown;
}

loadBackend();
const app = demoApp(metrics({ buckets: DEMO_BUCKETS }));

const { Bun, Deno } = globalThis as { Bun?: BunLike; Deno?: DenoLike };
if (Bun !== undefined) {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
  console.log(`PORT ${server.port}`);
} else if (Deno !== undefined) {
  Deno.serve(
    { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`PORT ${port}`) },
    app.fetch,
  );
} else {
  const { serve } = await import('@hono/node-server');
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) => console.log(`PORT ${port}`));
}
