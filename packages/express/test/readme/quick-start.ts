// The README's first example, as a user writes it. PORT and HOST come from the environment, so that
// test/readme.test.ts runs it on a free port of 127.0.0.1, sends it requests and scrapes it.
export { server };

// #region quick-start
import { metrics } from '@pytheus/express';
import express from 'express';

const app = express();
app.use(metrics({ ignorePaths: ['/health'] })); // first: it times what comes after it

app.get('/health', (_req, res) => res.send('ok')); // not timed
const api = express.Router();
api.get('/items/:id', (req, res) => res.json({ id: req.params.id }));
app.use('/api/:tenant', api); // recorded as route="/api/:tenant/items/:id"

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '0.0.0.0'); // GET /metrics
// #endregion quick-start
