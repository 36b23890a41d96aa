// The pytheus side of docs/migrating-from-prom-client.md, in code that runs: each region is the page's snippet.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Collector,
  CollectorRegistry,
  Counter,
  Gauge,
  generateMetrics,
  Histogram,
  negotiate,
} from '@pytheus/core';
import { collectRuntimeMetrics } from '@pytheus/core/node';

const work = () => sleep(2);
const headers = { accept: 'application/openmetrics-text; version=1.0.0' };

// #region metrics
const registry = new CollectorRegistry(); // prom-client: new Registry()
const requests = new Counter('http_requests_total', 'Requests served.', {
  registry, // prom-client: registers: [registry]
  requiredLabels: ['method', 'route'], // prom-client: labelNames
});
requests.labels({ method: 'GET', route: '/users' }).inc(); // prom-client: requests.inc({ method, route })
const gets = requests.labels({ method: 'GET' }); // partial labels: prom-client has no such thing
gets.labels({ route: '/orders' }).inc(2);
// #endregion metrics

// #region defaults
// prom-client: registry.setDefaultLabels({ service: 'shop' }) on the registry; here per metric, as a default value
// of a required label (labels() can still override it).
const jobs = new Counter('jobs_total', 'Jobs done.', {
  registry,
  requiredLabels: ['service', 'queue'],
  defaultLabels: { service: 'shop' },
});
jobs.labels({ queue: 'mail' }).inc();
// #endregion defaults

// #region timers
const latency = new Histogram('request_duration_seconds', 'Latency.', { registry, buckets: [0.01, 0.1, 1] });
// prom-client: const end = latency.startTimer(); ...; end();
const timer = latency.time();
await work();
timer.stop();
{
  using _timer = latency.time(); // or with `using`: observed when the block ends, even if it throws
  await work();
}
// #endregion timers

// #region collect
// prom-client: new Gauge({ name, help, collect() { this.set(queue.length) } }); here a collector makes the value on
// each scrape, with `registry: null` (registered nowhere, and kept in this process whatever backend is loaded).
const queue = ['a', 'b'];
registry.register({
  collect() {
    const depth = new Gauge('queue_depth', 'Jobs waiting.', { registry: null });
    depth.set(queue.length);
    return [depth];
  },
} satisfies Collector);
// #endregion collect

// #region expose
// prom-client: res.set('Content-Type', registry.contentType); res.end(await registry.metrics());
const { format, contentType } = negotiate(headers.accept); // Prometheus text or OpenMetrics, as asked
const body = await generateMetrics(registry, { format });
// #endregion expose

// #region runtime
// prom-client: collectDefaultMetrics({ register: registry, prefix: 'shop_' })
const runtime = collectRuntimeMetrics({ registry, prefix: 'shop' });
// #endregion runtime

const text = await generateMetrics(registry);
console.log(contentType);
console.log(body.split('\n').filter((line) => !line.startsWith('#')).length > 0 ? 'openmetrics ok' : 'empty');
console.log(
  text
    .split('\n')
    .filter((line) =>
      /^(http_requests_total|jobs_total|request_duration_seconds_count|queue_depth) |^(http_requests_total|jobs_total)\{/.test(
        line,
      ),
    )
    .join('\n'),
);
console.log(
  text.includes('# TYPE shop_process_cpu_seconds_total counter') ? 'runtime ok' : 'runtime missing',
);
runtime.stop();
