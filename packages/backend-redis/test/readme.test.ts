// The README's code is code that runs. Its TypeScript block is a region of test/readme/quick-start.ts (the shared
// README check compares them and checks the links an npm user follows). Here that file runs twice, each time as a
// process of its own as a deployment runs it, on a redis-server that the harness starts on a free port (never
// 6379): each run counts one order, takes SIGTERM and exits 0 through the handler the example adds, and a fresh
// load of the same Redis and key prefix then shows both runs' orders in one series.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { MemoryBackend } from '@pytheus/backend-memory';
import { CollectorRegistry, Counter, closeBackend, generateMetrics, loadBackend } from '@pytheus/core';
import { describeReadmeExamples, eventually } from '@pytheus/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.js';
import { RedisServer } from './harness.js';

const packageRoot = join(import.meta.dirname, '..');

describeReadmeExamples({ root: packageRoot, files: ['README.md'], shipped: true });

/** Runs the example until it is connected to Redis, then sends it SIGTERM; resolves to how it exited. */
async function runUntilTerminated(
  server: RedisServer,
): Promise<{ code: number | null; signal: string | null }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PYTHEUS_')));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@pytheus/source', '--import', 'tsx', 'test/readme/quick-start.ts'],
    { cwd: packageRoot, env: { ...env, REDIS_URL: server.url }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Its connection is named after its process id; by the time it is there, the example's code has run.
  const admin = server.admin();
  try {
    const name = new RegExp(`\\bname=pytheus:\\S*:${child.pid}\\b`);
    const connected = async () => name.test(String(await admin.client('LIST')));
    expect(await eventually(connected, true, 15_000), `the example connected to Redis:\n${output}`).toBe(
      true,
    );
  } finally {
    admin.disconnect();
  }
  child.kill('SIGTERM');
  const exit = await exited;
  expect(output).toBe('');
  return exit;
}

describe('the README example, run', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.remove();
  });

  it('counts into Redis from two processes in turn, each exiting 0 on SIGTERM; a fresh load sees the total', async () => {
    expect(await runUntilTerminated(server)).toEqual({ code: 0, signal: null });
    expect(await runUntilTerminated(server)).toEqual({ code: 0, signal: null });

    loadBackend({ backendClass: RedisBackend, backendConfig: { url: server.url, keyPrefix: 'shop:' } });
    try {
      const registry = new CollectorRegistry();
      new Counter('orders_total', 'Orders placed', { registry, requiredLabels: ['country'] });
      expect(await generateMetrics(registry)).toBe(
        '# HELP orders_total Orders placed\n# TYPE orders_total counter\norders_total{country="NL"} 2\n',
      );
    } finally {
      await closeBackend();
      loadBackend({ backendClass: MemoryBackend });
    }
  });
});
