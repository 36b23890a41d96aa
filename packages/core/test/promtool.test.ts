import {
  type Collector,
  CollectorRegistry,
  Counter,
  Gauge,
  generateMetrics,
  Histogram,
  Summary,
} from '@pytheus/core';
import { describe, expect, it } from 'vitest';
import { judge, numberText, parseWithPython, promtool, sampleKey, samplesOf } from './judges/judges.js';

// Prometheus' own parser and linter, and Python's prometheus_client, are the judges of our text formats.

const adversarial = [
  'plain',
  '',
  'back\\slash',
  'trailing\\',
  '"quoted"',
  'new\nline',
  '\\n literally',
  'comma,equals=brace}{',
  '# not a comment',
  'tab\there',
  'ünïcødé ✓ 🚀 中文',
  'x'.repeat(300),
  'nul\u0000 ctl\u0001\u001f\u007f cr\r',
  'separators\u2028\u2029\u0085',
  '\uFFFD',
];

describe('promtool check metrics', () => {
  it('accepts an exposition with every metric type and adversarial label values', async () => {
    const registry = new CollectorRegistry({ prefix: 'app' });
    const requests = new Counter(
      'http_requests_total',
      'Requests with "quotes", \\ and a\nnewline in help.',
      {
        registry,
        requiredLabels: ['path', 'method'],
        defaultLabels: { method: 'GET' },
      },
    );
    const temperature = new Gauge('temperature_celsius', 'Temperature.', {
      registry,
      requiredLabels: ['room'],
    });
    const latency = new Histogram('request_duration_seconds', 'Latency.', {
      registry,
      requiredLabels: ['path'],
    });
    const sizes = new Summary('response_size_bytes', 'Sizes.', { registry, requiredLabels: ['path'] });
    adversarial.forEach((value, i) => {
      requests.labels({ path: value }).inc(i + 1);
      temperature.labels({ room: value }).set(i % 2 === 0 ? -i : i + 0.5);
      latency.labels({ path: value }).observe(i / 10);
      sizes.labels({ path: value }).observe(i * 1000);
    });
    temperature.labels({ room: 'inf' }).set(Number.POSITIVE_INFINITY);
    temperature.labels({ room: 'ninf' }).set(Number.NEGATIVE_INFINITY);
    temperature.labels({ room: 'nan' }).set(Number.NaN);
    new Counter('idle_total', 'Declared, never labelled.', { registry, requiredLabels: ['x'] });
    const collector: Collector = {
      *collect() {
        const up = new Gauge('collector_up', 'From a custom collector.', { registry: null });
        up.set(1);
        yield up;
      },
    };
    registry.register(collector);

    const text = await generateMetrics(registry);
    expect(text).toContain('app_http_requests_total{path="new\\nline",method="GET"} 6\n');
    expect(text).toContain('app_temperature_celsius{room="nan"} NaN\n');
    expect(promtool(text)).toEqual({ status: 0, output: '' });

    // Python's parsers read the same values that were recorded, in both formats.
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const samples = samplesOf(await judge(await generateMetrics(registry, { format }), format));
      adversarial.forEach((value, i) => {
        expect(samples.get(sampleKey('app_http_requests_total', { path: value, method: 'GET' }))).toBe(
          String(i + 1),
        );
        expect(samples.get(sampleKey('app_temperature_celsius', { room: value }))).toBe(
          numberText(i % 2 === 0 ? -i : i + 0.5),
        );
        expect(samples.get(sampleKey('app_request_duration_seconds_sum', { path: value }))).toBe(
          numberText(i / 10),
        );
        expect(samples.get(sampleKey('app_response_size_bytes_count', { path: value }))).toBe('1');
      });
      expect(samples.get(sampleKey('app_temperature_celsius', { room: 'ninf' }))).toBe('-Inf');
      expect(samples.get(sampleKey('app_collector_up', {}))).toBe('1');
    }
  });
});

describe('the judges', () => {
  it('can fail: promtool and both Python parsers reject broken text', async () => {
    expect(promtool('x{a="unterminated} 1\n').status).toBe(1);
    expect(promtool('# TYPE c counter\nc 1\n').status).not.toBe(0);
    expect(await parseWithPython('x{a="unterminated} 1\n# EOF\n', 'openmetrics')).toMatchObject({
      ok: false,
    });
    expect(await parseWithPython('# TYPE x counter\nx_total -1\n# EOF\n', 'openmetrics')).toEqual({
      ok: false,
      error: 'ValueError: Counter-like samples cannot be negative: x_total -1',
    });
    expect(await parseWithPython('x{a="b"} one\n', 'prometheus')).toMatchObject({ ok: false });
  });

  it('catch a duplicate series, which the parsers themselves let through', async () => {
    const twice = '# HELP x h\n# TYPE x gauge\nx{a="\uFFFD"} 1\nx{a="\uFFFD"} 2\n';
    await expect(judge(twice, 'prometheus')).rejects.toThrow(/duplicate series x\{a="\uFFFD"\}/);
    await expect(judge(`${twice}# EOF\n`, 'openmetrics')).rejects.toThrow(/duplicate series/);
  });
});
