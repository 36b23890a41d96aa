// The fleet: a primary process forks WORKERS Express workers on one port (node:cluster). Every worker loads the
// Redis backend before its first metric is used, so any worker's /metrics shows the numbers of the whole fleet.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { RedisBackend } from '@pytheus/backend-redis';
import { closeBackend, loadBackend } from '@pytheus/core';
import { createApp } from './app.js';

const workers = Number(process.env.WORKERS ?? Math.min(4, availableParallelism()));
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

if (cluster.isPrimary) {
  let stopping = false;
  console.log(
    `pytheus fleet example: ${workers} workers on http://${host}:${port}, counting into ${redisUrl}`,
  );
  for (let i = 0; i < workers; i++) cluster.fork();
  // A worker that dies (a crash, a kill -9) is replaced; what it had shipped to Redis stays counted.
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    cluster.fork();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    let left = Object.keys(cluster.workers ?? {}).length;
    if (left === 0) process.exit(0);
    cluster.on('exit', () => {
      if (--left === 0) process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  loadBackend({
    backendClass: RedisBackend,
    backendConfig: { url: redisUrl, keyPrefix: 'pytheus-example:' },
  });
  const server: Server = createApp({ slowMs: Number(process.env.SLOW_MS ?? 3000) }).listen(port, host, () => {
    console.log(`worker ${process.pid} listening on http://${host}:${port}`);
  });
  // Graceful shutdown loses nothing: stop taking requests, let those in flight finish, then ship the last
  // writes to Redis (closeBackend) before exiting.
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close(async () => {
      let code = 0;
      try {
        await closeBackend();
      } catch (error) {
        console.error(`worker ${process.pid}: ${error instanceof Error ? error.message : String(error)}`);
        code = 1;
      }
      process.exit(code);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
