// The tour, part 2: the four metric types, timing and counting exceptions.
import { setTimeout as sleep } from 'node:timers/promises';
import { CollectorRegistry, Counter, Gauge, generateMetrics, Histogram, Summary } from '@pytheus/core';

const registry = new CollectorRegistry();
const doSomething = () => sleep(5);

// #region counter
const failures = new Counter('import_failures_total', 'Imports that failed.', { registry });
failures.inc();
failures.inc(7);

// Count what a body throws (it is rethrown), or only errors of some classes.
try {
  failures.countExceptions(() => JSON.parse('{oops'));
} catch {}
try {
  await failures.countExceptions(() => Promise.reject(new RangeError('late')), [RangeError, TypeError]);
} catch {}

// The same as a wrapper and as a method decorator.
const parse = failures.countExceptionsFunction((text: string) => JSON.parse(text));
class Importer {
  @failures.countExceptionsMethod([SyntaxError])
  run(text: string) {
    return JSON.parse(text);
  }
}
try {
  parse('{');
} catch {}
try {
  new Importer().run('{');
} catch {}
// #endregion counter

// #region gauge
const queue = new Gauge('queue_length', 'Jobs waiting.', { registry });
queue.inc();
queue.inc(7);
queue.dec();
queue.set(3);

const heartbeat = new Gauge('last_heartbeat_seconds', 'When the worker last checked in.', { registry });
heartbeat.setToCurrentTime();

// Work in progress: +1 now, -1 when the scope ends, even if it throws.
const inFlight = new Gauge('jobs_in_flight', 'Jobs being worked on.', { registry });
{
  using _job = inFlight.trackInprogress();
  await doSomething();
}

// Time a block: the gauge is set to its duration in seconds; or wrap a method.
const lastRun = new Gauge('last_run_seconds', 'How long the last run took.', { registry });
{
  using _timer = lastRun.time();
  await doSomething();
}
class Worker {
  @lastRun.timeMethod()
  @inFlight.trackInprogressMethod()
  async run() {
    await doSomething();
  }
}
await new Worker().run();
// #endregion gauge

// #region histogram
// Default buckets: 0.005 to 10 seconds (+Inf is added); or give your own.
const latency = new Histogram('request_duration_seconds', 'Request latency.', { registry });
const sizes = new Histogram('response_size_bytes', 'Response sizes.', {
  registry,
  buckets: [100, 1000, 10_000],
});
latency.observe(0.4);
sizes.observe(512);

{
  using _timer = latency.time(); // observed when the block ends
  await doSomething();
}
const timedFetch = latency.timeFunction(async (id: string) => ({ id })); // sync or async
await timedFetch('42');
class Handler {
  @latency.timeMethod()
  async handle() {
    await doSomething();
  }
}
await new Handler().handle();
// #endregion histogram

// #region summary
// A summary keeps the sum and count of observations: the cheapest mean (rate of _sum over rate of _count).
const payload = new Summary('upload_size_bytes', 'Uploaded bytes.', { registry, unit: 'bytes' });
payload.observe(1024);
payload.observe(2048);
// #endregion summary

console.log(await generateMetrics(registry));
