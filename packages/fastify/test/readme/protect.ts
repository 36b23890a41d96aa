// The README's protected metrics route, with the token it names. test/readme.test.ts scrapes it without
// credentials, with wrong ones and with the token, and reads the route's definition that `onRoute` saw.
export { app, metricsRoute, token };

import pytheus from '@pytheus/fastify';
import Fastify, { type RouteOptions } from 'fastify';

const app = Fastify();
const token = 'a-secret-that-only-prometheus-knows';
let metricsRoute: RouteOptions | undefined;
app.addHook('onRoute', (route) => {
  if (route.url === '/metrics') metricsRoute = route;
});

// #region protect
await app.register(pytheus, {
  authorize: (request) => request.headers.get('authorization') === `Bearer ${token}`, // 401, 403
  routeOptions: { logLevel: 'warn' }, // or { onRequest: app.basicAuth }, schema, config, ...
});
// #endregion protect
