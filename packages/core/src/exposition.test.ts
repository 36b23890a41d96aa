import { describe, expect, it } from 'vitest';
import { generateMetrics } from '../test/judges/judges.js';
import { CollectorRegistry, Counter, Gauge, Histogram, PytheusError, Summary } from './index.js';

describe('Prometheus text format 0.0.4', () => {
  it('renders every metric type with HELP and TYPE, in registration then series order', async () => {
    const registry = new CollectorRegistry();
    const requests = new Counter('http_requests_total', 'Requests served.', {
      registry,
      requiredLabels: ['method', 'code'],
    });
    requests.labels({ method: 'GET', code: '200' }).inc(3);
    requests.labels({ method: 'POST', code: '500' }).inc();
    requests.labels({ method: 'GET', code: '404' }).inc(2);
    new Gauge('temperature_celsius', 'Current temperature.', { registry }).set(-4.25);
    const latency = new Histogram('request_duration_seconds', 'Latency.', {
      registry,
      requiredLabels: ['route'],
      buckets: [0.1, 0.5, 2.5],
    });
    latency.labels({ route: '/b' }).observe(0.3);
    latency.labels({ route: '/a' }).observe(0.05);
    latency.labels({ route: '/a' }).observe(7);
    const size = new Summary('response_size_bytes', 'Sizes.', { registry });
    size.observe(512);
    size.observe(1024);
    new Counter('never_used_total', 'A labelled counter with no series yet.', {
      registry,
      requiredLabels: ['x'],
    });

    expect(await generateMetrics(registry)).toBe(`# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{method="GET",code="200"} 3
http_requests_total{method="POST",code="500"} 1
http_requests_total{method="GET",code="404"} 2
# HELP temperature_celsius Current temperature.
# TYPE temperature_celsius gauge
temperature_celsius -4.25
# HELP request_duration_seconds Latency.
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{route="/b",le="0.1"} 0
request_duration_seconds_bucket{route="/b",le="0.5"} 1
request_duration_seconds_bucket{route="/b",le="2.5"} 1
request_duration_seconds_bucket{route="/b",le="+Inf"} 1
request_duration_seconds_sum{route="/b"} 0.3
request_duration_seconds_count{route="/b"} 1
request_duration_seconds_bucket{route="/a",le="0.1"} 1
request_duration_seconds_bucket{route="/a",le="0.5"} 1
request_duration_seconds_bucket{route="/a",le="2.5"} 1
request_duration_seconds_bucket{route="/a",le="+Inf"} 2
request_duration_seconds_sum{route="/a"} 7.05
request_duration_seconds_count{route="/a"} 2
# HELP response_size_bytes Sizes.
# TYPE response_size_bytes summary
response_size_bytes_sum 1536
response_size_bytes_count 2
# HELP never_used_total A labelled counter with no series yet.
# TYPE never_used_total counter
`);
  });

  it('escapes label values and help text', async () => {
    const registry = new CollectorRegistry();
    const gauge = new Gauge('escaped', 'Help with \\ backslash, "quotes" and a\nnewline.', {
      registry,
      requiredLabels: ['value'],
    });
    gauge.labels({ value: 'back\\slash' }).set(1);
    gauge.labels({ value: 'say "hi"' }).set(2);
    gauge.labels({ value: 'two\nlines' }).set(3);
    gauge.labels({ value: 'ünïcødé ✓ 🚀' }).set(4);
    gauge.labels({ value: '' }).set(5);
    gauge.labels({ value: '\\n' }).set(6);
    expect(
      await generateMetrics(registry),
    ).toBe(`# HELP escaped Help with \\\\ backslash, "quotes" and a\\nnewline.
# TYPE escaped gauge
escaped{value="back\\\\slash"} 1
escaped{value="say \\"hi\\""} 2
escaped{value="two\\nlines"} 3
escaped{value="ünïcødé ✓ 🚀"} 4
escaped{value=""} 5
escaped{value="\\\\n"} 6
`);
  });

  it('writes +Inf, -Inf, NaN, large and small numbers the way Prometheus parses them', async () => {
    const registry = new CollectorRegistry();
    const gauge = new Gauge('values', 'v', { registry, requiredLabels: ['case'] });
    const cases: [string, number][] = [
      ['inf', Number.POSITIVE_INFINITY],
      ['ninf', Number.NEGATIVE_INFINITY],
      ['nan', Number.NaN],
      ['big', 1e21],
      ['small', 1.5e-7],
      ['negzero', -0],
      ['max', Number.MAX_VALUE],
    ];
    for (const [name, value] of cases) gauge.labels({ case: name }).set(value);
    expect(await generateMetrics(registry)).toBe(`# HELP values v
# TYPE values gauge
values{case="inf"} +Inf
values{case="ninf"} -Inf
values{case="nan"} NaN
values{case="big"} 1e+21
values{case="small"} 1.5e-7
values{case="negzero"} 0
values{case="max"} 1.7976931348623157e+308
`);
  });

  it('exposes a counter with _total whatever its name, so both formats give one series name', async () => {
    const registry = new CollectorRegistry();
    new Counter('jobs', 'Named without the suffix.', { registry }).inc(2);
    new Counter('tasks_total', 'Named with it.', { registry }).inc(3);
    const text = await generateMetrics(registry);
    expect(text).toBe(
      '# HELP jobs_total Named without the suffix.\n# TYPE jobs_total counter\njobs_total 2\n' +
        '# HELP tasks_total Named with it.\n# TYPE tasks_total counter\ntasks_total 3\n',
    );
    const openMetrics = await generateMetrics(registry, { format: 'openmetrics' });
    expect(openMetrics).toContain('\njobs_total 2\n');
    expect(openMetrics).toContain('\ntasks_total 3\n');
  });

  it('renders an empty registry as an empty string', async () => {
    expect(await generateMetrics(new CollectorRegistry())).toBe('');
  });

  it('rejects an unknown format', async () => {
    await expect(generateMetrics(new CollectorRegistry(), { format: 'json' as never })).rejects.toThrow(
      PytheusError,
    );
  });

  it('a scrape changes nothing: the same text twice', async () => {
    const registry = new CollectorRegistry();
    new Counter('a_total', 'a', { registry }).inc();
    const first = await generateMetrics(registry);
    await generateMetrics(registry, { format: 'openmetrics' });
    expect(await generateMetrics(registry)).toBe(first);
  });
});
