import { hostname } from 'node:os';
import { MemoryBackend } from '@pytheus/backend-memory';
import { CollectorRegistry, closeBackend, Gauge, generateMetrics, loadBackend } from '@pytheus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';
import { RedisCluster, uniquePrefix } from './harness.js';
import { runScenario } from './scenario.js';
import { Worker } from './workers.js';
import { defineWorkerMetrics, expectedTotals } from './workload.js';

let cluster: RedisCluster;
const workers: Worker[] = [];
beforeAll(async () => {
  cluster = await RedisCluster.start();
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  await closeBackend().catch(() => {});
  loadBackend({ backendClass: MemoryBackend });
  await cluster?.remove();
});

describe('RedisBackend on a Redis Cluster of three masters', () => {
  it('spreads metrics over the cluster and exposes what the memory backend exposes', async () => {
    loadBackend({ backendClass: MemoryBackend });
    const inMemory = new CollectorRegistry();
    runScenario(inMemory);
    const expected = await generateMetrics(inMemory);

    const config: RedisBackendConfig = { cluster: cluster.nodes, keyPrefix: uniquePrefix('cluster') };
    loadBackend({ backendClass: RedisBackend, backendConfig: config });
    const onRedis = new CollectorRegistry();
    runScenario(onRedis);
    expect(await generateMetrics(onRedis)).toBe(expected);

    // The metrics' keys really are spread over more than one master.
    const holders = await Promise.all(
      cluster.servers.map(async (server) => {
        const admin = server.admin();
        try {
          return (await admin.dbsize()) > 0;
        } finally {
          admin.disconnect();
        }
      }),
    );
    expect(holders.filter(Boolean).length).toBeGreaterThan(1);
    await closeBackend();
  });

  it('adds up the work of several processes and reads per-process gauges', async () => {
    const config: RedisBackendConfig = {
      cluster: cluster.nodes,
      keyPrefix: uniquePrefix('cluster-workers'),
      flushIntervalMs: 5,
    };
    for (let i = 0; i < 2; i++) {
      workers.push(Worker.start(config, { CHILD_INDEX: String(i), CHILD_ITERATIONS: '2000' }));
    }
    expect(await Promise.all(workers.map((worker) => worker.nextLine()))).toEqual(['done', 'done']);
    loadBackend({ backendClass: RedisBackend, backendConfig: { ...config } });
    const registry = new CollectorRegistry();
    defineWorkerMetrics(registry);
    const lines = (await generateMetrics(registry)).trimEnd().split('\n');
    const perProcess = lines.filter((line) => line.startsWith('worker_memory_bytes{')).sort();
    expect(lines.filter((line) => !line.startsWith('worker_memory_bytes{')).join('\n')).toBe(
      expectedTotals(2, 2000),
    );
    expect(perProcess).toEqual(
      workers
        .map((worker, i) => `worker_memory_bytes{process="${hostname()}:${worker.pid}"} ${1000 + i}`)
        .sort(),
    );
    await Promise.all(workers.map((worker) => worker.exit()));
    expect((await generateMetrics(registry)).includes('worker_memory_bytes{')).toBe(false);
    // A per-process gauge of this process shows up with its process label.
    const own = new Gauge('own_memory_bytes', 'own', { registry, multiprocessMode: 'perProcess' });
    own.set(5);
    expect(await generateMetrics(registry)).toContain(
      `\nown_memory_bytes{process="${hostname()}:${process.pid}"} 5\n`,
    );
  });
});
