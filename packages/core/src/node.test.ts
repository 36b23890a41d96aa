import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../test/judges/judges.js';
import { CollectorRegistry, Counter, Gauge } from './index.js';
import { metricsHandler } from './node.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function fetchRaw(port: number, headers: Record<string, string>, method = 'GET', path = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const PROMETHEUS_2_42 =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const TEXT = `# HELP served_total Served.
# TYPE served_total counter
served_total 2
# HELP note Unicode and escapes.
# TYPE note gauge
note{v="ünï \\"q\\" \\\\ \\n"} 1
`;
const OPENMETRICS = `# HELP served Served.
# TYPE served counter
served_total 2 # {trace_id="t1"} 2
# HELP note Unicode and escapes.
# TYPE note gauge
note{v="ünï \\"q\\" \\\\ \\n"} 1
# EOF
`;

describe('metricsHandler on a real server', () => {
  const servers: Server[] = [];
  let port = 0;

  beforeAll(async () => {
    const registry = new CollectorRegistry();
    new Counter('served_total', 'Served.', { registry }).inc(2, { exemplar: { trace_id: 't1' } });
    new Gauge('note', 'Unicode and escapes.', { registry, requiredLabels: ['v'] })
      .labels({ v: 'ünï "q" \\ \n' })
      .set(1);
    const server = createServer(metricsHandler({ registry }));
    servers.push(server);
    port = await listen(server);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('serves bodies that the judges accept', async () => {
    await judge(TEXT, 'prometheus');
    await judge(OPENMETRICS, 'openmetrics');
  });

  it('answers Prometheus 2.42 with OpenMetrics, gzipped as it asks', async () => {
    const reply = await fetchRaw(port, { accept: PROMETHEUS_2_42, 'accept-encoding': 'gzip' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(reply.headers.vary).toBe('Accept, Accept-Encoding');
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    expect(gunzipSync(reply.body).toString('utf8')).toBe(OPENMETRICS);
  });

  it('answers curl (*/*, no gzip) with plain Prometheus text', async () => {
    const reply = await fetchRaw(port, { accept: '*/*' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(TEXT));
    expect(reply.body.toString('utf8')).toBe(TEXT);
  });

  it('answers a request without Accept with Prometheus text', async () => {
    const reply = await fetchRaw(port, {});
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(reply.body.toString('utf8')).toBe(TEXT);
  });

  it('confirms the escaping scheme Prometheus 3 asks for', async () => {
    const reply = await fetchRaw(port, {
      accept:
        'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    });
    expect(reply.headers['content-type']).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8',
    );
    expect(reply.body.toString('utf8')).toBe(OPENMETRICS);
  });

  it('reads Accept-Encoding with quality values', async () => {
    const cases: [string, boolean][] = [
      ['gzip', true],
      ['gzip, deflate, br', true],
      ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
      ['*', true],
      ['gzip;q=0', false],
      ['gzip;q=0, *', false],
      ['identity', false],
      ['deflate', false],
      ['*;q=0', false],
    ];
    for (const [acceptEncoding, gzipped] of cases) {
      const reply = await fetchRaw(port, { 'accept-encoding': acceptEncoding });
      expect({ acceptEncoding, gzipped: reply.headers['content-encoding'] === 'gzip' }).toEqual({
        acceptEncoding,
        gzipped,
      });
      expect((gzipped ? gunzipSync(reply.body) : reply.body).toString('utf8')).toBe(TEXT);
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const reply = await fetchRaw(port, { accept: PROMETHEUS_2_42 }, 'HEAD');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(OPENMETRICS));
    expect(reply.body.length).toBe(0);
  });

  it('refuses other methods with 405', async () => {
    const reply = await fetchRaw(port, {}, 'POST');
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
    expect(reply.body.toString('utf8')).toBe('method not allowed\n');
  });

  it('answers 503 revealing nothing when reading the metrics fails, and hands the error to onError', async () => {
    const registry = new CollectorRegistry();
    registry.register({
      collect() {
        throw new Error('queue unreachable at 10.0.0.7:6379');
      },
    });
    const errors: unknown[] = [];
    const server = createServer(metricsHandler({ registry, onError: (error) => errors.push(error) }));
    servers.push(server);
    const failingPort = await listen(server);
    const reply = await fetchRaw(failingPort, { accept: PROMETHEUS_2_42, 'accept-encoding': 'gzip' });
    expect(reply.status).toBe(503);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.body.toString('utf8')).toBe('metrics unavailable\n');
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'collector Object: collect() failed: queue unreachable at 10.0.0.7:6379',
    ]);
  });

  it('protects the endpoint with authorize, as every adapter does', async () => {
    const server = createServer(
      metricsHandler({ authorize: (request) => request.headers.get('authorization') === 'Bearer s3cret' }),
    );
    servers.push(server);
    const protectedPort = await listen(server);
    expect((await fetchRaw(protectedPort, {})).status).toBe(401);
    expect((await fetchRaw(protectedPort, { authorization: 'Bearer nope' })).status).toBe(403);
    expect((await fetchRaw(protectedPort, { authorization: 'Bearer s3cret' })).status).toBe(200);
  });
});
