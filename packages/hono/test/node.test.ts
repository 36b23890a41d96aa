// @hono/node-server specifics: a client that leaves in the middle of a counted body (responseSize) is a 499 with
// the bytes sent so far, and in-flight returns to zero, because the server cancels the body it was writing.
import { connect } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { CollectorRegistry, generateMetrics } from '@pytheus/core';
import { eventually } from '@pytheus/test-support';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { afterAll, describe, expect, it } from 'vitest';
import { metrics } from '../src/index.js';

const servers: ServerType[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('on @hono/node-server', () => {
  it('records a client that leaves in the middle of a counted body as 499, with the bytes sent', async () => {
    const registry = new CollectorRegistry();
    const app = new Hono();
    app.use(metrics({ registry, buckets: [0.5], responseSize: true }));
    app.get('/feed/:id', (c) =>
      stream(c, async (out) => {
        await out.write('first chunk');
        await new Promise<void>((resolve) => {
          out.onAbort(resolve);
          setTimeout(resolve, 3000);
        });
      }),
    );
    const port = await new Promise<number>((resolve) => {
      servers.push(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)));
    });
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('GET /feed/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('first chunk')) {
          socket.destroy();
          resolve();
        }
      });
    });
    const read = async () =>
      (await generateMetrics(registry))
        .split('\n')
        .filter((line) => /^http_(response_size_bytes_sum|requests_in_flight)\{/.test(line));
    const expected = [
      'http_requests_in_flight{method="GET"} 0',
      'http_response_size_bytes_sum{method="GET",route="/feed/:id",status_code="499"} 11',
    ];
    expect(await eventually(read, expected, 5000)).toEqual(expected);
  });
});
