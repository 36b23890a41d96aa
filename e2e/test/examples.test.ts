// Every example, started as its README says, serves /metrics that promtool accepts (names linted). The fleet
// example is checked with its Redis in fleet.test.ts.
import { freePort, promtool } from '@pytheus/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningExample, request, startExample } from './examples.js';

const running: RunningExample[] = [];
afterAll(() => {
  for (const example of running) example.killAll();
});

describe.each([
  { name: 'node-http', listening: /listening on (http:\/\/\S+)/, pages: ['/', '/slow'] },
  { name: 'fastify', listening: /listening on (http:\/\/\S+)/, pages: ['/', '/slow'] },
  { name: 'hono', listening: /listening on (http:\/\/\S+)/, pages: ['/', '/slow'] },
])('examples/$name', ({ name, listening, pages }) => {
  it('serves /metrics that promtool accepts, after serving its pages', async () => {
    const port = await freePort();
    const example = startExample(name, { PORT: String(port), SLOW_MS: '10' });
    running.push(example);
    await example.waitFor(listening);
    const base = `http://127.0.0.1:${port}`;
    for (const page of pages) expect((await request(`${base}${page}`))?.status).toBe(200);
    const metrics = await request(`${base}/metrics`);
    expect(metrics?.status).toBe(200);
    expect(promtool(metrics!.body)).toEqual({ status: 0, output: '' });
  });
});
