// The README's code is code that runs. Each of its TypeScript blocks is a region of a file in test/readme/ (the
// shared README check compares them and checks the links an npm user follows); here each file runs as a user
// runs it, importing @pytheus/core by name, with assertions on what it did.
import { join } from 'node:path';
import { CollectorRegistry, generateMetrics, setDefaultRegistry } from '@pytheus/core';
import { close, describeReadmeExamples, portOf, promtool, withEnv } from '@pytheus/test-support';
import { beforeEach, describe, expect, it } from 'vitest';

describeReadmeExamples({ root: join(import.meta.dirname, '..'), files: ['README.md'], shipped: true });

describe('the README examples, run', () => {
  // Each example counts into a default registry of its own.
  beforeEach(() => {
    setDefaultRegistry(new CollectorRegistry());
  });

  it('quick start: the counter and the histogram, served by metricsHandler in both formats', async () => {
    const { server } = await withEnv(
      { PORT: '0', HOST: '127.0.0.1' },
      () => import('./readme/quick-start.js'),
    );
    try {
      const url = `http://127.0.0.1:${await portOf(server)}/metrics`;
      const text = await fetch(url);
      expect(text.status).toBe(200);
      expect(text.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const body = await text.text();
      expect(body.split('\n')).toEqual(
        expect.arrayContaining([
          'http_requests_total{route="/"} 1',
          'http_request_duration_seconds_bucket{le="0.025"} 0',
          'http_request_duration_seconds_bucket{le="0.05"} 1',
          'http_request_duration_seconds_count 1',
          'http_request_duration_seconds_sum 0.042',
        ]),
      );
      expect(promtool(body)).toEqual({ status: 0, output: '' });

      const openMetrics = await fetch(url, {
        headers: { accept: 'application/openmetrics-text; version=1.0.0' },
      });
      expect(openMetrics.headers.get('content-type')).toBe(
        'application/openmetrics-text; version=1.0.0; charset=utf-8',
      );
      const om = await openMetrics.text();
      expect(om).toContain('# TYPE http_requests counter\nhttp_requests_total{route="/"} 1\n');
      expect(om.endsWith('# EOF\n')).toBe(true);
    } finally {
      await close(server);
    }
  });

  it('runtime metrics: read at the scrape with the label given, gone from the registry once stopped', async () => {
    const { runtime, text } = await import('./readme/runtime-metrics.js');
    const lines = text.split('\n');
    const [major, minor, patch] = process.versions.node.split('.');
    expect(lines).toContain(
      `nodejs_version_info{service="checkout",version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"} 1`,
    );
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      const line = lines.find((candidate) => candidate.startsWith(`${name}{service="checkout"} `));
      expect(Number(line?.split(' ')[1]), name).toBeGreaterThan(0);
    }
    expect(runtime.stopped).toBe(true);
    expect(await generateMetrics()).toBe('');
  });
});
