import type { Server } from 'node:http';
import { CollectorRegistry } from '@pytheus/core';
import { promtool } from '@pytheus/test-support';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { demoApp } from './app.js';
import { close, listen, send } from './client.js';

let server: Server | undefined;
afterAll(async () => {
  if (server) await close(server);
});

describe('promtool check metrics', () => {
  it('accepts what the endpoint serves, with every request metric and odd route labels', async () => {
    const registry = new CollectorRegistry();
    const app = demoApp(express, {
      registry,
      requestsTotal: true,
      requestSize: true,
      responseSize: true,
      exemplar: () => ({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }),
    });
    app.get(/^\/files\/.+\.txt$/, (_req, res) => {
      res.send('file');
    });
    server = app.listen(0, '127.0.0.1');
    const port = await listen(server);
    for (const path of ['/users/1', '/api/acme/items/2', '/files/a "quoted" \\ path.txt', '/fail', '/.env']) {
      await send(port, encodeURI(path));
    }
    await send(port, '/users/1', { method: 'PROPFIND' });
    const text = (await send(port, '/metrics')).text;
    expect(text).toContain('route="/^\\\\/files\\\\/.+\\\\.txt$/"');
    expect(text).toContain('route="<unmatched>",status_code="404"');
    expect(promtool(text)).toEqual({ status: 0, output: '' });
    // promtool 2.x parses the Prometheus text format only (an OpenMetrics exemplar is a parse error to it); core's
    // end-to-end test has a real Prometheus scrape OpenMetrics.
  });
});
