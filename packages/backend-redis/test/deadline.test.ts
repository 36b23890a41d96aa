import { BackendError, CollectorRegistry, Counter, closeBackend, generateMetrics } from '@pytheus/core';
import { describe, expect, it } from 'vitest';
import { failOnEscapes, serversPerTest, useRedis } from './harness.js';

failOnEscapes();
const start = serversPerTest();

describe('RedisBackend deadlines', () => {
  it('rejects a scrape of a million series at its deadline, instead of succeeding seconds later', async () => {
    const server = await start();
    const config = useRedis(server, 'deadline', { commandTimeoutMs: 500 });
    const admin = server.admin();
    try {
      // A million series that other processes wrote.
      await admin.eval(
        "for i = 1, 1000000 do redis.call('HSET', KEYS[1], '[\"s' .. i .. '\"]', '1') end",
        1,
        `${config.keyPrefix}{big_total}:counter:values`,
      );
    } finally {
      admin.disconnect();
    }
    const registry = new CollectorRegistry();
    new Counter('big_total', 'big', { registry, requiredLabels: ['s'] });
    const small = new CollectorRegistry();
    new Counter('small_total', 'small', { registry: small }).inc(3);

    const started = performance.now();
    const error = await generateMetrics(registry).catch((reason: unknown) => reason);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(
      'Redis backend: reading metrics failed: Redis did not answer within 500 ms',
    );
    expect(elapsed).toBeGreaterThanOrEqual(499);
    expect(elapsed).toBeLessThan(1000);
    // The process goes on, and so do scrapes of a size that fits.
    expect(await generateMetrics(small)).toContain('\nsmall_total 3\n');
  });

  it('bounds a close by the same deadline when Redis does not answer', async () => {
    const server = await start();
    useRedis(server, 'close', { commandTimeoutMs: 300, flushIntervalMs: 60_000 });
    const counter = new Counter('late_total', 'late', { registry: new CollectorRegistry() });
    const admin = server.admin();
    try {
      await admin.ping();
      const stalled = admin.call('DEBUG', 'SLEEP', '1.5');
      counter.inc();
      const started = performance.now();
      await expect(closeBackend()).rejects.toThrow(
        /^Redis backend: closing failed: Redis did not answer within 300 ms/,
      );
      expect(performance.now() - started).toBeLessThan(800);
      await stalled;
    } finally {
      admin.disconnect();
    }
  });
});
