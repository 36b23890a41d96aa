import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectorRegistry,
  Counter,
  Gauge,
  generateMetrics,
  Histogram,
  negotiate,
  Summary,
} from '@pytheus/core';
import { metricsHandler } from '@pytheus/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from './judges/judges.js';

// A real Prometheus is the judge of our OpenMetrics output: it scrapes a test server that negotiates like any
// production one, and we read back through its HTTP API what it understood.

const STARTUP_DEADLINE_MS = 45_000;

const ODD_VALUES = [
  'say "hi"',
  'back\\slash',
  'trailing\\',
  'two\nlines',
  '\\n literally',
  'ünïcødé ✓ 🚀 中文',
  'nul\u0000char',
  'ctl\u0001\u001f\u007f\r\t',
  'sep\u2028\u0085',
];

// Exemplar timestamps near now, so that a query over the last hour finds them.
const EXEMPLAR_TIME = Math.floor(Date.now() / 1000) - 30 + 0.5;

function buildRegistry(): CollectorRegistry {
  const registry = new CollectorRegistry();
  const requests = new Counter('http_requests_total', 'Requests with "quotes", \\ and a\nnewline.', {
    registry,
    requiredLabels: ['method', 'path'],
  });
  requests
    .labels({ method: 'GET', path: '/a' })
    .inc(3, { exemplar: { trace_id: 'abc123' }, exemplarTimestamp: EXEMPLAR_TIME });
  requests.labels({ method: 'POST', path: '/b' }).inc(2.5);
  new Counter('jobs', 'A counter named without _total.', { registry }).inc(7);
  const temperature = new Gauge('temperature_celsius', 'Temperature.', {
    registry,
    unit: 'celsius',
    requiredLabels: ['room'],
  });
  temperature.labels({ room: 'kitchen' }).set(-4.25);
  temperature.labels({ room: 'sun' }).set(Number.POSITIVE_INFINITY);
  temperature.labels({ room: 'space' }).set(Number.NEGATIVE_INFINITY);
  temperature.labels({ room: 'unknown' }).set(Number.NaN);
  temperature.labels({ room: 'big' }).set(1e21);
  const note = new Gauge('note', 'Odd label values, \u0000 and \r in help.', {
    registry,
    requiredLabels: ['v'],
  });
  ODD_VALUES.forEach((value, i) => {
    note.labels({ v: value }).set(i + 1);
  });
  const latency = new Histogram('request_duration_seconds', 'Latency.', {
    registry,
    unit: 'seconds',
    requiredLabels: ['route'],
    buckets: [0.1, 1, 2.5],
  });
  const route = latency.labels({ route: '/ünï "x"' });
  route.observe(0.05, { exemplar: { trace_id: 'fast', span_id: 's1' }, exemplarTimestamp: EXEMPLAR_TIME });
  route.observe(0.5);
  route.observe(2);
  route.observe(30, { exemplar: { trace_id: 'slow 🚀\u0001\u001f\u007f\r\t\u2028 { # 1' } });
  const sizes = new Summary('response_size_bytes', 'Sizes.', { registry, unit: 'bytes' });
  sizes.observe(512);
  sizes.observe(1024);
  return registry;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function requirePrometheus(): void {
  const check = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  if (check.error || check.status !== 0) {
    throw new Error(
      `cannot run \`prometheus\` (${check.error?.message ?? check.stderr}): this test needs a Prometheus server on PATH; on Debian or Ubuntu, \`apt-get install prometheus\``,
    );
  }
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('a real Prometheus scrapes OpenMetrics from metricsHandler', () => {
  let dataDir = '';
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let target: Server | undefined;
  let api = '';
  const scrapes: { accept: string | undefined; encoding: string | undefined; contentType: string }[] = [];

  async function apiGet<T>(path: string): Promise<T> {
    const response = await fetch(`${api}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success')
      throw new Error(`Prometheus API ${path}: ${body.error ?? response.status}`);
    return body.data;
  }

  async function query(expr: string): Promise<Sample[]> {
    const data = await apiGet<{ resultType: string; result: Sample[] }>(
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    return data.result;
  }

  // label set (without job/instance) and value of each series, sorted for comparison.
  async function values(expr: string): Promise<[Record<string, string>, string][]> {
    const result = await query(expr);
    return result
      .map((sample): [Record<string, string>, string] => {
        const { job: _job, instance: _instance, ...labels } = sample.metric;
        return [labels, sample.value[1]];
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  beforeAll(async () => {
    requirePrometheus();
    const registry = buildRegistry();
    const handler = metricsHandler({ registry });
    target = createServer((request, response) => {
      scrapes.push({
        accept: request.headers.accept,
        encoding: request.headers['accept-encoding'],
        contentType: negotiate(request.headers.accept).contentType,
      });
      void handler(request, response);
    });
    await new Promise<void>((resolve) => target!.listen(0, '127.0.0.1', resolve));
    const targetPort = (target.address() as AddressInfo).port;

    dataDir = await mkdtemp(join(tmpdir(), 'pytheus-prometheus-'));
    const config = join(dataDir, 'prometheus.yml');
    await writeFile(
      config,
      `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: pytheus
    static_configs:
      - targets: ['127.0.0.1:${targetPort}']
`,
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dataDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => {
      prometheusLog += chunk.toString();
    });
    prometheus.stderr!.on('data', (chunk: Buffer) => {
      prometheusLog += chunk.toString();
    });

    // Prometheus takes a few seconds to start and scrape: poll `up` until the first scrape is in.
    const deadline = Date.now() + STARTUP_DEADLINE_MS;
    let lastProblem = 'no answer yet';
    for (;;) {
      if (prometheus.exitCode !== null) {
        throw new Error(`prometheus exited with code ${prometheus.exitCode}:\n${prometheusLog}`);
      }
      try {
        const up = await query('up{job="pytheus"}');
        if (up[0]?.value[1] === '1') break;
        const targets = await apiGet<{ activeTargets: { lastError: string; health: string }[] }>(
          '/api/v1/targets',
        );
        lastProblem = `up=${up[0]?.value[1] ?? 'none'}, target: ${JSON.stringify(targets.activeTargets)}`;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadline) {
        throw new Error(`Prometheus did not scrape the target in time (${lastProblem}):\n${prometheusLog}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, STARTUP_DEADLINE_MS + 10_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      const timer = setTimeout(() => prometheus!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (target) await new Promise((resolve) => target!.close(resolve));
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('scrapes what the other judges accept too', async () => {
    const registry = buildRegistry();
    await judge(await generateMetrics(registry), 'prometheus');
    await judge(await generateMetrics(registry, { format: 'openmetrics' }), 'openmetrics');
  });

  it('negotiated OpenMetrics 1.0.0 with gzip', () => {
    expect(scrapes.length).toBeGreaterThan(0);
    expect(scrapes[0]).toEqual({
      accept:
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      encoding: 'gzip',
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
    });
  });

  it('parsed it as OpenMetrics: counter samples end in _total, # UNIT is read, the scrape is clean', async () => {
    // A counter created as `jobs` is the family `jobs` with the sample `jobs_total`.
    expect(await values('jobs_total')).toEqual([[{ __name__: 'jobs_total' }, '7']]);
    expect(await values('jobs')).toEqual([]);
    // Only the OpenMetrics parser reads # UNIT.
    const metadata =
      await apiGet<Record<string, { type: string; help: string; unit: string }[]>>('/api/v1/metadata');
    expect(metadata.temperature_celsius).toEqual([{ type: 'gauge', help: 'Temperature.', unit: 'celsius' }]);
    expect(metadata.request_duration_seconds).toEqual([
      { type: 'histogram', help: 'Latency.', unit: 'seconds' },
    ]);
    expect(metadata.http_requests).toEqual([
      { type: 'counter', help: 'Requests with "quotes", \\ and a\nnewline.', unit: '' },
    ]);
    const targets = await apiGet<{ activeTargets: { lastError: string; health: string }[] }>(
      '/api/v1/targets',
    );
    expect(targets.activeTargets.map(({ health, lastError }) => ({ health, lastError }))).toEqual([
      { health: 'up', lastError: '' },
    ]);
  });

  it('reads back the exact values of counters, gauges (NaN, ±Inf), histograms and summaries', async () => {
    expect(await values('http_requests_total')).toEqual([
      [{ __name__: 'http_requests_total', method: 'GET', path: '/a' }, '3'],
      [{ __name__: 'http_requests_total', method: 'POST', path: '/b' }, '2.5'],
    ]);
    expect(await values('temperature_celsius')).toEqual([
      [{ __name__: 'temperature_celsius', room: 'big' }, '1e+21'],
      [{ __name__: 'temperature_celsius', room: 'kitchen' }, '-4.25'],
      [{ __name__: 'temperature_celsius', room: 'space' }, '-Inf'],
      [{ __name__: 'temperature_celsius', room: 'sun' }, '+Inf'],
      [{ __name__: 'temperature_celsius', room: 'unknown' }, 'NaN'],
    ]);
    const route = '/ünï "x"';
    expect(await values('{__name__=~"request_duration_seconds_.*"}')).toEqual([
      [{ __name__: 'request_duration_seconds_bucket', le: '+Inf', route }, '4'],
      [{ __name__: 'request_duration_seconds_bucket', le: '0.1', route }, '1'],
      [{ __name__: 'request_duration_seconds_bucket', le: '1.0', route }, '2'],
      [{ __name__: 'request_duration_seconds_bucket', le: '2.5', route }, '3'],
      [{ __name__: 'request_duration_seconds_count', route }, '4'],
      [{ __name__: 'request_duration_seconds_sum', route }, '32.55'],
    ]);
    expect(await values('{__name__=~"response_size_bytes_.*"}')).toEqual([
      [{ __name__: 'response_size_bytes_count' }, '2'],
      [{ __name__: 'response_size_bytes_sum' }, '1536'],
    ]);
  });

  it('keeps label values with quotes, backslashes, newlines and unicode exactly', async () => {
    const result = await query('note');
    const byValue = new Map(result.map((sample) => [sample.metric.v, sample.value[1]]));
    expect([...byValue.keys()].sort()).toEqual([...ODD_VALUES].sort());
    ODD_VALUES.forEach((value, i) => {
      expect(byValue.get(value)).toBe(String(i + 1));
    });
  });

  it('stores the exemplars of counters and histogram buckets, with and without a timestamp', async () => {
    const now = Date.now() / 1000;
    const data = await apiGet<
      {
        seriesLabels: Record<string, string>;
        exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
      }[]
    >(
      `/api/v1/query_exemplars?query=${encodeURIComponent('{__name__=~"http_requests_total|request_duration_seconds_bucket"}')}&start=${now - 3600}&end=${now + 60}`,
    );
    const found = data
      .flatMap(({ seriesLabels, exemplars }) => {
        const { job: _job, instance: _instance, ...series } = seriesLabels;
        return exemplars.map(({ labels, value, timestamp }) => ({
          series,
          labels,
          value,
          // Exemplars without a timestamp get the scrape's: after the test started, before now.
          timestamp:
            timestamp === EXEMPLAR_TIME
              ? 'given'
              : timestamp > EXEMPLAR_TIME && timestamp <= now
                ? 'scrape'
                : timestamp,
        }));
      })
      // Every scrape re-sends an exemplar without a timestamp; one of each is enough.
      .filter(
        (item, i, all) => all.findIndex((other) => JSON.stringify(other) === JSON.stringify(item)) === i,
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(found).toEqual([
      {
        series: { __name__: 'http_requests_total', method: 'GET', path: '/a' },
        labels: { trace_id: 'abc123' },
        value: '3',
        timestamp: 'given',
      },
      {
        series: { __name__: 'request_duration_seconds_bucket', le: '+Inf', route: '/ünï "x"' },
        labels: { trace_id: 'slow 🚀\u0001\u001f\u007f\r\t\u2028 { # 1' },
        value: '30',
        timestamp: 'scrape',
      },
      {
        series: { __name__: 'request_duration_seconds_bucket', le: '0.1', route: '/ünï "x"' },
        labels: { span_id: 's1', trace_id: 'fast' },
        value: '0.05',
        timestamp: 'given',
      },
    ]);
  });
});
