import { CollectorRegistry } from '@pytheus/core';
import { promtool } from '@pytheus/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { demoApp } from './app.js';

let app: FastifyInstance | undefined;
afterAll(async () => {
  await app?.close();
});

describe('promtool check metrics', () => {
  it('accepts what the metrics route serves, with every request metric and odd route labels', async () => {
    app = await demoApp({
      registry: new CollectorRegistry(),
      requestsTotal: true,
      requestSize: true,
      responseSize: true,
      exemplar: () => ({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }),
    });
    app.get('/files/*', async () => 'file');
    app.get('/quoted/"odd"\\path/:id', async () => 'odd');
    for (const url of ['/users/1', '/api/acme/items/2', '/files/a/b.txt', '/fail', '/.env']) {
      await app.inject(url);
    }
    await app.inject(encodeURI('/quoted/"odd"\\path/1'));
    await app.inject({ url: '/users/1', method: 'HEAD' });
    const text = (await app.inject('/metrics')).body;
    expect(text).toContain('route="/files/*"');
    expect(text).toContain('route="/quoted/\\"odd\\"\\\\path/:id"');
    expect(text).toContain('route="<unmatched>",status_code="404"');
    expect(promtool(text)).toEqual({ status: 0, output: '' });
    // promtool 2.x parses the Prometheus text format only (an OpenMetrics exemplar is a parse error to it); core's
    // end-to-end test has a real Prometheus scrape OpenMetrics.
  });
});
