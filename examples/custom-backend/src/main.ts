import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, closeBackend, Gauge, generateMetrics, Histogram, loadBackend } from '@pytheus/core';
import { FileBackend } from './backend.js';

// Every process started with the same directory shares these numbers; this run uses a fresh one.
const directory = mkdtempSync(join(tmpdir(), 'pytheus-example-'));
loadBackend({ backendClass: FileBackend, backendConfig: { directory } });

const jobs = new Counter('jobs_processed', 'Jobs processed, by queue', { requiredLabels: ['queue'] });
const queueDepth = new Gauge('queue_depth', 'Jobs waiting');
const duration = new Histogram('job_duration_seconds', 'Time spent on a job', { buckets: [0.1, 0.5, 1] });

jobs.labels({ queue: 'emails' }).inc();
jobs.labels({ queue: 'emails' }).inc();
jobs.labels({ queue: 'reports' }).inc(3);
queueDepth.set(7);
queueDepth.dec(2);
for (const seconds of [0.05, 0.3, 0.7, 2]) duration.observe(seconds);

// The scrape folds the log and adds the writes still buffered in this process.
process.stdout.write(await generateMetrics());

await closeBackend(); // appends what is buffered and stops the flush timer
console.log(`log: ${join(directory, 'metrics.jsonl')} (removed)`);
rmSync(directory, { recursive: true, force: true });
