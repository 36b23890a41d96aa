// Every part of the tour runs as a reader would run it, and prints what the README says it does.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { promtool, TestRedis } from '@pytheus/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let redis: TestRedis | undefined;

async function part(name: string, env: Record<string, string> = {}): Promise<string> {
  const file = join(import.meta.dirname, `${name}.ts`);
  const { stdout } = await run(process.execPath, ['--conditions=@pytheus/source', '--import', 'tsx', file], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, PYTHEUS_BACKEND_CLASS: '', PYTHEUS_BACKEND_CONFIG: '', ...env },
  });
  return stdout;
}

// The Prometheus-text exposition a part printed first, up to the blank line console.log adds.
function firstExposition(output: string): string {
  return `${output.split('\n\n')[0]!}\n`;
}

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis?.remove();
});

describe('the tour', () => {
  it('labels: without, required, partial and default labels', async () => {
    const lines = (await part('labels')).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'jobs_processed_total 8',
        'http_requests_total{route="/users",method="GET"} 1',
        'http_requests_total{route="/users",method="POST"} 1',
        'http_requests_total{route="/users",method="DELETE"} 1',
        'page_views_total{page="/home",lang="en"} 1',
        'page_views_total{page="/home",lang="nl"} 1',
      ]),
    );
  });

  it('metric types: counting exceptions, gauges, timing, histograms, summaries', async () => {
    const output = await part('metric-types');
    const lines = output.split('\n');
    // 1 + 7, then one each: a throwing body, a matching rejection, the wrapper, the decorated method.
    expect(lines).toContain('import_failures_total 12');
    expect(lines).toContain('queue_length 3');
    expect(lines).toContain('jobs_in_flight 0');
    const heartbeat = Number(lines.find((line) => line.startsWith('last_heartbeat_seconds '))!.split(' ')[1]);
    expect(Math.abs(heartbeat - Date.now() / 1000)).toBeLessThan(60);
    expect(Number(lines.find((line) => line.startsWith('last_run_seconds '))!.split(' ')[1])).toBeGreaterThan(
      0,
    );
    expect(lines).toContain('request_duration_seconds_count 4');
    expect(lines).toContain('request_duration_seconds_bucket{le="0.5"} 4');
    expect(lines).toContain('response_size_bytes_bucket{le="1000.0"} 1');
    expect(lines).toContain('upload_size_bytes_sum 3072');
    expect(promtool(firstExposition(output))).toEqual({ status: 0, output: '' });
  });

  it('exposition: both formats, node:http, and negotiation', async () => {
    const output = await part('exposition');
    expect(output).toContain('# TYPE jobs_total counter\njobs_total 3\n');
    expect(output).toContain('# TYPE jobs counter\njobs_total 3\n# EOF\n');
    expect(output).toContain('node:http answered application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(output).toContain('negotiated text/plain; version=0.0.4; charset=utf-8');
  });

  it('registries: a prefix and a custom collector', async () => {
    const lines = (await part('registries')).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['shop_orders_total 1', 'shop_queue_depth 12']));
  });

  it('backends: loaded in code, on a real Redis', async () => {
    const output = await part('backends', { REDIS_URL: redis!.url });
    expect(output).toContain('loaded at the first metric: MemoryBackend');
    expect(output.split('\n')).toContain('visits_total{page="/"} 1');
  });

  it('backends: loaded from PYTHEUS_BACKEND_CLASS and PYTHEUS_BACKEND_CONFIG, and counting on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pytheus-tour-'));
    const config = join(dir, 'pytheus-backend.json');
    writeFileSync(config, JSON.stringify({ url: redis!.url, keyPrefix: 'tour:' }));
    const output = await part('backends', {
      REDIS_URL: redis!.url,
      PYTHEUS_BACKEND_CLASS: '@pytheus/backend-redis#RedisBackend',
      PYTHEUS_BACKEND_CONFIG: config,
    });
    expect(output).toContain('loaded at the first metric: RedisBackend');
    // The same Redis and key prefix as the run before: this process' visit adds to that one's.
    expect(output.split('\n')).toContain('visits_total{page="/"} 2');
  });

  it('exemplars: shown in OpenMetrics, on a counter and on the bucket an observation fell in', async () => {
    const output = await part('exemplars');
    expect(output).toContain(
      'http_requests_total{route="/users"} 1 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 1\n',
    );
    expect(output).toContain(
      'http_request_duration_seconds_bucket{le="0.5"} 1 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 0.27 1764576000\n',
    );
  });

  it('limits: past maxSeries, new label sets count into the overflow series', async () => {
    const lines = (await part('limits')).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'downloads_total{file="a.txt"} 1',
        'downloads_total{file="b.txt"} 1',
        'downloads_total{file="__overflow__"} 2',
        'pytheus_series_refused_total{metric="downloads_total"} 2',
        'downloads_total reached its series limit',
      ]),
    );
  });

  it('runtime metrics: process and Node metrics in one call', async () => {
    const lines = (await part('runtime')).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '# TYPE process_cpu_seconds_total counter',
        '# TYPE process_resident_memory_bytes gauge',
        '# TYPE nodejs_heap_space_size_used_bytes gauge',
        '# TYPE nodejs_version_info gauge',
      ]),
    );
  });

  it('the pytheus side of the migration page for prom-client users', async () => {
    const lines = (await part('from-prom-client')).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'application/openmetrics-text; version=1.0.0; charset=utf-8',
        'openmetrics ok',
        'http_requests_total{method="GET",route="/users"} 1',
        'http_requests_total{method="GET",route="/orders"} 2',
        'jobs_total{service="shop",queue="mail"} 1',
        'request_duration_seconds_count 2',
        'queue_depth 2',
        'runtime ok',
      ]),
    );
  });

  it('a backend of your own, with an initialization hook', async () => {
    expect((await part('own-backend')).split('\n')).toContain('temperature_celsius{room="kitchen"} 22');
  });
});
