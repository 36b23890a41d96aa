// A worker for test/runtime.test.ts: loads the Redis backend from the environment, collects the runtime metrics
// (refreshed on a short timer, as under any backend shared by processes), then answers commands on stdin.
import { createInterface } from 'node:readline';
import { closeBackend, generateMetrics, loadBackend } from '@pytheus/core';
import { collectRuntimeMetrics } from '@pytheus/core/node';

loadBackend();
collectRuntimeMetrics({ refreshIntervalMs: Number(process.env.CHILD_REFRESH_MS) });
process.stdout.write('ready\n');

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'scrape') {
    process.stdout.write(`${JSON.stringify(await generateMetrics())}\n`);
  } else if (line === 'exit') {
    await closeBackend();
    process.exit(0);
  }
}
