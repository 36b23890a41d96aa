// The README's first example, as a user writes it: two metrics and their endpoint on node:http. PORT and HOST
// come from the environment, so that test/readme.test.ts runs it on a free port of 127.0.0.1 and scrapes it.
export { server };

// #region quick-start
import { createServer } from 'node:http';
import { Counter, Histogram } from '@pytheus/core';
import { metricsHandler } from '@pytheus/core/node';

const requests = new Counter('http_requests_total', 'Requests served.', { requiredLabels: ['route'] });
const latency = new Histogram('http_request_duration_seconds', 'Latency.');

requests.labels({ route: '/' }).inc();
latency.observe(0.042);

// GET /metrics (any path answers) on $PORT or 9464. To serve it yourself: await generateMetrics().
const server = createServer(metricsHandler()).listen(Number(process.env.PORT ?? 9464), process.env.HOST);
// #endregion quick-start
