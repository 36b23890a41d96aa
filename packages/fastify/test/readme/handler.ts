// The README's metrics served on a route of the app's own, behind a hook of its own. test/readme.test.ts asks the
// app's route, the metrics without and with the token, and the path the plugin would have served.
export { app, token };

import pytheus from '@pytheus/fastify';
import Fastify, { type onRequestHookHandler } from 'fastify';

const app = Fastify();
await app.register(pytheus, { metricsPath: false });
app.get('/users/:id', async () => 'user');

// A hook of the app's own in front of the metrics, where @fastify/basic-auth would give app.basicAuth.
const token = 'a-secret-that-only-prometheus-knows';
const requireToken: onRequestHookHandler = async (request, reply) => {
  if (request.headers.authorization !== `Bearer ${token}`) return reply.code(401).send('unauthorized');
};

// #region handler
app.get('/internal/metrics', { config: { metrics: false }, onRequest: requireToken }, app.metrics.handler);
// #endregion handler
