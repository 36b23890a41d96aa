import { hostname } from 'node:os';
import { MemoryBackend } from '@pytheus/backend-memory';
import { CollectorRegistry, closeBackend, generateMetrics, loadBackend } from '@pytheus/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';
import { plainRedis, uniquePrefix } from './harness.js';
import { Worker } from './workers.js';
import { defineWorkerMetrics, expectedTotals } from './workload.js';

const WORKERS = 4;
const ITERATIONS = 3000;

let redis: Awaited<ReturnType<typeof plainRedis>>;
const workers: Worker[] = [];
beforeAll(async () => {
  redis = await plainRedis();
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  await closeBackend().catch(() => {});
  loadBackend({ backendClass: MemoryBackend });
  await redis?.stop();
});

// The per-process lines come in no particular order; everything else must match exactly.
function normalize(text: string): string {
  const lines = text.trimEnd().split('\n');
  const perProcess = lines.filter((line) => line.startsWith('worker_memory_bytes{'));
  return [...lines.filter((line) => !line.startsWith('worker_memory_bytes{')), ...perProcess.sort()].join(
    '\n',
  );
}

function processLines(pids: number[]): string[] {
  return pids.map((pid, i) => `worker_memory_bytes{process="${hostname()}:${pid}"} ${1000 + i}`).sort();
}

describe('several processes on one Redis', () => {
  it('count into the same numbers: a scrape from any process shows the exact totals', async () => {
    const config: RedisBackendConfig = {
      url: redis.url,
      keyPrefix: uniquePrefix('workers'),
      flushIntervalMs: 5,
      processExpireSeconds: 1,
    };
    for (let i = 0; i < WORKERS; i++) {
      workers.push(Worker.start(config, { CHILD_INDEX: String(i), CHILD_ITERATIONS: String(ITERATIONS) }));
    }
    expect(await Promise.all(workers.map((worker) => worker.nextLine()))).toEqual(
      Array(WORKERS).fill('done'),
    );

    // This process never counted anything: every series it shows comes from the workers.
    loadBackend({ backendClass: RedisBackend, backendConfig: { ...config } });
    const registry = new CollectorRegistry();
    defineWorkerMetrics(registry);
    const totals = expectedTotals(WORKERS, ITERATIONS);
    const pids = workers.map((worker) => worker.pid);
    const expected = [totals, ...processLines(pids)].join('\n');
    expect(normalize(await generateMetrics(registry))).toBe(expected);
    for (const worker of workers) expect(normalize(await worker.scrape())).toBe(expected);

    // A worker that dies without closing: its per-process series goes once its liveness expires.
    await workers[0]!.kill();
    const survivors = [totals, ...processLines(pids).filter((line) => !line.includes(`:${pids[0]}"`))].join(
      '\n',
    );
    let text = '';
    for (let attempt = 0; attempt < 100; attempt++) {
      text = normalize(await generateMetrics(registry));
      if (text === survivors) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(text).toBe(survivors);

    // Workers that close remove their per-process series at once; the totals stay.
    await Promise.all(workers.slice(1).map((worker) => worker.exit()));
    expect(normalize(await generateMetrics(registry))).toBe(totals);
  });
});
