// The tour, part 7: exemplars, the trace an observation belongs to. Only OpenMetrics shows them.
import { CollectorRegistry, Counter, generateMetrics, Histogram } from '@pytheus/core';

const registry = new CollectorRegistry();
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

// #region exemplars
const requests = new Counter('http_requests_total', 'Requests.', { registry, requiredLabels: ['route'] });
const latency = new Histogram('http_request_duration_seconds', 'Latency.', {
  registry,
  buckets: [0.1, 0.5, 1],
});

requests.labels({ route: '/users' }).inc(1, { exemplar: { trace_id: traceId } }); // a counter keeps its latest
latency.observe(0.27, { exemplar: { trace_id: traceId }, exemplarTimestamp: 1764576000 }); // each bucket its latest
// #endregion exemplars

console.log(await generateMetrics(registry, { format: 'openmetrics' }));
