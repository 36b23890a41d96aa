// The conformance kit that every pytheus backend runs, on a harness-started Redis: several loads with one key
// prefix stand for processes sharing that Redis.
import { describeBackendConformance } from '@pytheus/backend-testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';
import { plainRedis } from './harness.js';

let redis: Awaited<ReturnType<typeof plainRedis>>;
beforeAll(async () => {
  redis = await plainRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describeBackendConformance<RedisBackendConfig>({
  name: 'RedisBackend',
  // A new config object per call: each is an independent load (its own connection and writers).
  load: ({ namespace }) => ({
    backendClass: RedisBackend,
    backendConfig: { url: redis.url, keyPrefix: `${namespace}:` },
  }),
  multiProcess: true,
  loadUnavailable: ({ namespace }) => ({
    backendClass: RedisBackend,
    backendConfig: { url: 'redis://127.0.0.1:1', keyPrefix: `${namespace}:`, commandTimeoutMs: 500 },
  }),
  cleanup: async ({ namespace }) => {
    const admin = new Redis(redis.url);
    try {
      const keys = await admin.keys(`${namespace}:*`);
      if (keys.length > 0) await admin.del(...keys);
    } finally {
      admin.disconnect();
    }
  },
});
