// The tour, part 1: metrics and labels. `pnpm --filter @pytheus/example-tour start` runs every part.
import { CollectorRegistry, Counter, generateMetrics } from '@pytheus/core';

const registry = new CollectorRegistry(); // the tour keeps each part apart; leave it out to use the default one

// #region labels
// Without labels.
const jobs = new Counter('jobs_processed_total', 'Jobs processed.', { registry });
jobs.inc();
jobs.inc(7);

// With required labels: give them all at once...
const requests = new Counter('http_requests_total', 'Requests served.', {
  registry,
  requiredLabels: ['route', 'method'],
});
requests.labels({ route: '/users', method: 'GET' }).inc();

// ...or step by step: a partial child keeps the labels set so far and can be kept, then finished.
const users = requests.labels({ route: '/users' });
users.labels({ method: 'POST' }).inc();
users.labels({ method: 'DELETE' }).inc();

// A default label value makes that label optional; labels() can still override it.
const pages = new Counter('page_views_total', 'Pages viewed.', {
  registry,
  requiredLabels: ['page', 'lang'],
  defaultLabels: { lang: 'en' },
});
pages.labels({ page: '/home' }).inc(); // lang="en"
pages.labels({ page: '/home', lang: 'nl' }).inc();
// #endregion labels

console.log(await generateMetrics(registry));
