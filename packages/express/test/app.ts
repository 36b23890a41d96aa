// The application the Redis and promtool tests run, in this process and in child processes: the same routes in
// every process, as in a real deployment.
import type express from 'express';
import type { Express } from 'express';
import { type ExpressMetricsOptions, metrics } from '../src/index.js';

export function demoApp(expressModule: typeof express, options: ExpressMetricsOptions = {}): Express {
  const app = expressModule();
  app.use(metrics({ buckets: [0.1, 1], ...options }));
  const items = expressModule.Router();
  items.get('/:id', (req, res) => {
    res.send(`item ${req.params.id}`);
  });
  const tenant = expressModule.Router();
  tenant.use('/items', items);
  app.use('/api/:tenant', tenant);
  app.get('/users/:id', (req, res) => {
    res.send(`user ${req.params.id}`);
  });
  app.get('/fail', () => {
    throw new Error('failure');
  });
  return app;
}
