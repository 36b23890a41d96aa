// The README's untimed route, in an app with the plugin and a route that is timed. test/readme.test.ts asks both
// routes and scrapes the app.
export { app };

import pytheus from '@pytheus/fastify';
import Fastify from 'fastify';

const app = Fastify();
await app.register(pytheus);
app.get('/live', async () => 'live');

// #region untimed
app.get('/ready', { config: { metrics: false } }, async () => 'ready');
// #endregion untimed
