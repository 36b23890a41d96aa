// The tour, part 5: backends. The same metric counts in this process, or into Redis for every process that loads
// the Redis backend with the same Redis and key prefix. REDIS_URL says which Redis (the tour's test starts one).

import { RedisBackend } from '@pytheus/backend-redis';
import { Counter, closeBackend, currentBackend, generateMetrics, loadBackend } from '@pytheus/core';

// From the environment (PYTHEUS_BACKEND_CLASS and PYTHEUS_BACKEND_CONFIG), or the in-memory default.
console.log(`loaded at the first metric: ${currentBackend().backendClass.name}`);

// #region load
loadBackend({
  backendClass: RedisBackend, // from @pytheus/backend-redis
  backendConfig: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
});

const visits = new Counter('visits_total', 'Visits.', { requiredLabels: ['page'] });
visits.labels({ page: '/' }).inc();
// #endregion load

console.log(await generateMetrics());
// Ships the last writes and closes the connection: on shutdown, `process.on('SIGTERM', ...)`.
await closeBackend();
