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
import { promtool } from './fixtures/promtool.js';

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
  });

  it('is a judge that can fail: it rejects broken text', () => {
    expect(promtool('x{a="unterminated} 1\n').status).not.toBe(0);
    expect(promtool('# TYPE c counter\nc 1\n').status).not.toBe(0);
  });
});
