// The same app (test/runtime/app.ts, on the built package) on Node through @hono/node-server, on Bun and on Deno
// under its default permissions plus --allow-net=127.0.0.1 (no --allow-env: core must not need it), each scraped
// over HTTP on 127.0.0.1 with exact assertions on the exposition. Bun and Deno are devDependencies of this package
// (their binaries come from the npm registry); a missing one fails the test with what to do.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationLines } from './series.js';

const root = join(import.meta.dirname, '..');
const APP = join('test', 'runtime', 'app.ts');

function bin(name: string): string {
  const path = join(root, 'node_modules', '.bin', name);
  if (!existsSync(path)) {
    throw new Error(
      `${name} is missing at ${path}: it is a devDependency of @pytheus/hono, installed by \`pnpm install\` (its binary comes from the npm registry; pnpm-workspace.yaml must allow its install script)`,
    );
  }
  return path;
}

const RUNTIMES: [string, () => [string, string[]]][] = [
  ['Node (@hono/node-server)', () => [process.execPath, ['--import', 'tsx', APP]]],
  ['Bun', () => [bin('bun'), ['run', APP]]],
  [
    'Deno',
    () => [bin('deno'), ['run', '--allow-net=127.0.0.1', '--no-lock', '--node-modules-dir=manual', APP]],
  ],
];

interface Running {
  child: ChildProcess;
  port: number;
  /** Resolves when the app has printed `line`. */
  printed: (line: string) => Promise<void>;
  output: () => string;
}

function run(command: string, args: string[]): Promise<Running> {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `pnpm build` first (turbo builds before the tests)');
  }
  // Nothing of the test's environment that would make core read a backend from it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PYTHEUS_')));
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiting = new Map<string, () => void>();
  const seen = new Set<string>();
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    output += `${line}\n`;
    seen.add(line);
    waiting.get(line)?.();
  });
  const printed = (line: string) =>
    seen.has(line) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(line, resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} printed no port in 20 s:\n${output}`)),
      20_000,
    );
    lines.on('line', (line) => {
      if (!line.startsWith('PORT ')) return;
      clearTimeout(timer);
      resolve({ child, port: Number(line.slice(5)), printed, output: () => output });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${output}`));
    });
    child.once('error', reject);
  });
}

/** Sends a request and destroys the connection once the app has printed that it has it. */
function hangUp(app: Running, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(app.port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    });
    socket.on('error', reject);
    void app.printed(`ARRIVED ${path}`).then(() => {
      socket.destroy();
      resolve();
    });
  });
}

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
    const end = Date.now() + 5000;
    let seen = await read();
    while (JSON.stringify(seen) !== JSON.stringify(expected) && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await read();
    }
    expect(seen).toEqual(expected);
  });
});
