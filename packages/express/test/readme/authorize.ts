// The README's protected endpoint: the app and the token around the line it shows. test/readme.test.ts serves the
// app and scrapes it without credentials, with wrong ones and with the token.
export { app, token };

import { metrics } from '@pytheus/express';
import express from 'express';

const app: express.Express = express();
const token = 'a-secret-that-only-prometheus-knows';

// #region authorize
app.use(metrics({ authorize: (request) => request.headers.get('authorization') === `Bearer ${token}` }));
// #endregion authorize
