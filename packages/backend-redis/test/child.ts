// A worker process for the multi-process tests: it loads the Redis backend from the environment
// (PYTHEUS_BACKEND_CLASS and PYTHEUS_BACKEND_CONFIG), does its share of the work, then answers commands on stdin.
import { createInterface } from 'node:readline';
import { closeBackend, flushBackend, generateMetrics, loadBackend } from '@pytheus/core';
import { defineWorkerMetrics } from './workload.js';

loadBackend();
const iterations = Number(process.env.CHILD_ITERATIONS);
const index = Number(process.env.CHILD_INDEX);
const metrics = defineWorkerMetrics();
metrics.memory.set(1000 + index);
for (let i = 0; i < iterations; i++) {
  metrics.jobs.labels({ kind: i % 2 === 0 ? 'even' : 'odd' }).inc();
  metrics.duration.observe(0.5 * (i % 3));
  metrics.inFlight.inc();
  if (i % 3 === 0) metrics.inFlight.dec();
  // Let the flush timer run between increments, so that batches from all workers interleave.
  if (i % 250 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
}
await flushBackend();
process.stdout.write('done\n');

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'scrape') {
    process.stdout.write(`${JSON.stringify(await generateMetrics())}\n`);
  } else if (line === 'exit') {
    await closeBackend();
    process.exit(0);
  }
}
