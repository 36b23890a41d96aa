// The README's example, as a user writes it; REDIS_URL says which Redis. test/readme.test.ts runs it as a process
// of its own on a redis-server the test harness started, sends it SIGTERM, and reads back what it counted.
// #region quick-start
import { RedisBackend } from '@pytheus/backend-redis';
import { Counter, closeBackend, loadBackend } from '@pytheus/core';

loadBackend({
  backendClass: RedisBackend,
  backendConfig: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: 'shop:' },
});

const orders = new Counter('orders_total', 'Orders placed', { requiredLabels: ['country'] });
orders.labels({ country: 'NL' }).inc();

// The one line to add: ship the last writes (at most one flush interval) before the process exits.
process.on('SIGTERM', async () => {
  await closeBackend();
  process.exit(0);
});
// #endregion quick-start
