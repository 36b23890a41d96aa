// The same app (test/runtime/app.ts, on the built package) on Node through @hono/node-server, on Bun and on Deno
// under its default permissions plus --allow-net=127.0.0.1 (no --allow-env: core must not need it), each scraped
// over HTTP on 127.0.0.1 with exact assertions on the exposition. Bun and Deno are devDependencies of this package
// (their binaries come from the npm registry); a missing one fails the test with what to do.
import { durationLines, eventually } from '@pytheus/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, hangUp, NODE_APP, RUNTIME_APP, type Running, run } from './process.js';

const RUNTIMES: [string, () => [string, string[]]][] = [
  ['Node (@hono/node-server)', () => NODE_APP],
  ['Bun', () => [bin('bun'), ['run', RUNTIME_APP]]],
  [
    'Deno',
    () => [
      bin('deno'),
      ['run', '--allow-net=127.0.0.1', '--no-lock', '--node-modules-dir=manual', RUNTIME_APP],
    ],
  ],
];

const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

describe.each(RUNTIMES)('%s', (_, command) => {
  let app: Running;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${app.port}${path}`, { headers });

  beforeAll(async () => {
    const [program, args] = command();
    app = await run(program, args);
  });
  afterAll(() => {
    app?.child.kill('SIGKILL');
  });

  it('serves the app and its metrics over HTTP: routes of handlers, a rejected request, a sub-app, 404, throws', async () => {
    const sent: [string, Record<string, string>, number][] = [
      ['/api/users/1', {}, 401],
      ['/api/users/1', { authorization: 'Bearer t' }, 200],
      ['/api/users/2', { authorization: 'Bearer t' }, 200],
      ['/t/acme/items/1', {}, 200],
      ['/t/globex/items/2?full=1', {}, 200],
      ['/wp-login.php', {}, 404],
      ['/api/nothing', { authorization: 'Bearer t' }, 404],
      ['/boom', {}, 500],
      ['/teapot', {}, 418],
    ];
    for (const [path, headers, status] of sent) {
      const response = await get(path, headers);
      await response.arrayBuffer();
      expect(`${path} ${response.status}`).toBe(`${path} ${status}`);
    }
    const scrape = await get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await scrape.text();
    expect(durationLines(text)).toEqual([
      'GET /api/users/:id 401 1',
      'GET /api/users/:id 200 2',
      'GET /t/:tenant/items/:id 200 2',
      'GET <unmatched> 404 2',
      'GET /boom 500 1',
      'GET /teapot 418 1',
    ]);
    const series = 'method="GET",route="/t/:tenant/items/:id",status_code="200"';
    expect(text).toContain(`http_request_duration_seconds_bucket{${series},le="+Inf"} 2\n`);
    expect(text).toContain(`http_request_duration_seconds_count{${series}} 2\n`);
    expect(text.split('\n').filter((line) => line.startsWith('http_requests_in_flight'))).toEqual([
      'http_requests_in_flight{method="GET"} 0',
    ]);
    const om = await get('/metrics', { accept: OPENMETRICS });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const omText = await om.text();
    expect(omText).toContain('# UNIT http_request_duration_seconds seconds\n');
    expect(omText.endsWith('# EOF\n')).toBe(true);
  });

  it('records a client that hangs up before the response as 499; in-flight returns to zero', async () => {
    await hangUp(app, '/slow/1');
    const read = async () => {
      const text = await (await get('/metrics')).text();
      return {
        slow: durationLines(text).filter((line) => line.includes('/slow/')),
        inFlight: text.split('\n').filter((line) => line.startsWith('http_requests_in_flight')),
      };
    };
    const expected = { slow: ['GET /slow/:id 499 1'], inFlight: ['http_requests_in_flight{method="GET"} 0'] };
    expect(await eventually(read, expected, 5000)).toEqual(expected);
  });
});
