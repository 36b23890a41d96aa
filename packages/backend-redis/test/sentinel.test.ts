import { MemoryBackend } from '@pytheus/backend-memory';
import { CollectorRegistry, Counter, closeBackend, generateMetrics, loadBackend } from '@pytheus/core';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';
import { RedisServer, uniquePrefix } from './harness.js';

const servers: RedisServer[] = [];
afterAll(async () => {
  await closeBackend().catch(() => {});
  loadBackend({ backendClass: MemoryBackend });
  await Promise.all(servers.map((server) => server.remove()));
});

describe('RedisBackend through Redis Sentinel', () => {
  it('finds the master through the sentinels and counts into it', async () => {
    const master = await RedisServer.start();
    servers.push(master);
    const sentinel = await RedisServer.startSentinel(master.port, 'pytheus');
    servers.push(sentinel);
    const keyPrefix = uniquePrefix('sentinel');
    loadBackend({
      backendClass: RedisBackend,
      backendConfig: { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: 'pytheus', keyPrefix },
    });
    const registry = new CollectorRegistry();
    new Counter('logins_total', 'logins', { registry }).inc(3);
    expect(await generateMetrics(registry)).toBe(
      '# HELP logins_total logins\n# TYPE logins_total counter\nlogins_total 3\n',
    );
    const admin = master.admin();
    try {
      expect(await admin.hget(`${keyPrefix}{logins_total}:counter:values`, '[]')).toBe('3');
    } finally {
      admin.disconnect();
    }
  });
});
