// The tour, part 3: exposing metrics, from a function, from node:http, and from any framework.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CollectorRegistry, Counter, generateMetrics, negotiate } from '@pytheus/core';
import { metricsHandler } from '@pytheus/core/node';

const registry = new CollectorRegistry();
new Counter('jobs', 'A counter created without _total.', { registry }).inc(3);

// #region generate
const text = await generateMetrics(registry); // Prometheus text 0.0.4; the default registry without an argument
const openMetrics = await generateMetrics(registry, { format: 'openmetrics' });
// #endregion generate
console.log(text);
console.log(openMetrics);

// #region handler
const server = createServer(metricsHandler({ registry })).listen(0, '127.0.0.1');
// #endregion handler
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
const scraped = await fetch(url, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
console.log(`node:http answered ${scraped.headers.get('content-type')}`);
server.close();

// In a framework of your own: negotiate the format from the Accept header, then render it.
const request = { headers: { accept: 'text/plain' } };
// #region negotiate
const { format, contentType } = negotiate(request.headers.accept);
const body = await generateMetrics(registry, { format });
// #endregion negotiate
console.log(`negotiated ${contentType} (${body.length} bytes)`);
