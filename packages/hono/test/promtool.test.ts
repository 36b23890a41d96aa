import { CollectorRegistry } from '@pytheus/core';
import { promtool } from '@pytheus/test-support';
import { describe, expect, it } from 'vitest';
import { metrics } from '../src/index.js';
import { DEMO_BUCKETS, demoApp } from './app.js';

describe('promtool check metrics', () => {
  it('accepts what the endpoint serves, with every request metric and odd route labels', async () => {
    const app = demoApp(
      metrics({
        registry: new CollectorRegistry(),
        buckets: DEMO_BUCKETS,
        requestsTotal: true,
        requestSize: true,
        responseSize: true,
        exemplar: () => ({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }),
      }),
    );
    app.get('/files/:name{.+\\.txt}', (c) => c.text('file'));
    app.get('/say/"hi"', (c) => c.text('hi'));
    for (const path of ['/users/1', '/t/acme/items/2', '/files/a.txt', '/say/"hi"', '/boom', '/.env']) {
      await (await app.request(path)).text();
    }
    await (await app.request('/users/1', { method: 'PROPFIND' })).text();
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('route="/files/:name{.+\\\\.txt}"');
    expect(text).toContain('route="/say/\\"hi\\""');
    expect(text).toContain('route="<unmatched>",status_code="404"');
    expect(text).toContain('method="_OTHER",route="<unmatched>",status_code="404"');
    expect(promtool(text)).toEqual({ status: 0, output: '' });
  });
});
