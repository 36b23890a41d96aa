// The README's protected endpoint: the app and the token around the line it shows. test/readme.test.ts asks the
// app for its metrics without credentials, with wrong ones and with the token.
export { app, token };

import { metrics } from '@pytheus/hono';
import { Hono } from 'hono';

const app = new Hono();
const token = 'a-secret-that-only-prometheus-knows';

// #region authorize
app.use(metrics({ authorize: (request) => request.headers.get('authorization') === `Bearer ${token}` }));
// #endregion authorize
