import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const app = await createApp({ slowMs: Number(process.env.SLOW_MS ?? 3000) });
await app.listen({ port, host });
console.log(`pytheus fastify example listening on http://${host}:${port}: try / and /slow, then /metrics`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
