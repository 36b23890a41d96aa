// The README's metrics on a route of the app's choice, behind basic auth, and on a second app on a port of its own
// (METRICS_PORT and HOST from the environment), then a route of the app's own. test/readme.test.ts asks both apps,
// with and without credentials.
export { admin, app, metricsServer, password, token, username };

import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';

const app = new Hono();
const username = 'prometheus';
const password = 'a-password-that-only-prometheus-knows';
const token = 'a-token-that-only-prometheus-knows';
const allowed = (request: Request) => request.headers.get('authorization') === `Bearer ${token}`;

// #region handler
import { metrics, metricsHandler } from '@pytheus/hono';

app.use(metrics({ metricsPath: false }));
app.get('/admin/metrics', basicAuth({ username, password }), metricsHandler());

const admin = new Hono(); // or on a port of its own, for Prometheus only
admin.get('/metrics', metricsHandler({ authorize: (request) => allowed(request) }));
const metricsPort = Number(process.env.METRICS_PORT ?? 9464);
const metricsServer = serve({ fetch: admin.fetch, port: metricsPort, hostname: process.env.HOST });
// #endregion handler

app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
