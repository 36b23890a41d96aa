// Core is imported by path, not as a dependency: core depends on this package, so a dependency would be a cycle.

import { afterEach, describe, expect, it } from 'vitest';
import {
  CollectorRegistry,
  Counter,
  currentBackend,
  Gauge,
  generateMetrics,
  loadBackend,
} from '../../core/src/index.js';
import { MemoryBackend } from './index.js';

afterEach(() => {
  loadBackend({ backendClass: MemoryBackend });
});

describe('MemoryBackend', () => {
  it('is a backend that keeps numbers in process: a static attach and no instances', () => {
    expect(typeof MemoryBackend.attach).toBe('function');
    expect(MemoryBackend.attach()).toBeUndefined();
    expect(Object.getOwnPropertyNames(MemoryBackend.prototype)).toEqual(['constructor']);
  });

  it('is the backend loaded by default, and what core keeps values in', async () => {
    expect(currentBackend().backendClass).toBe(MemoryBackend);
    loadBackend({ backendClass: MemoryBackend });
    const registry = new CollectorRegistry();
    const counter = new Counter('memory_total', 'c', { registry, requiredLabels: ['a'] });
    const gauge = new Gauge('memory_value', 'g', { registry });
    counter.labels({ a: 'x' }).inc(2.5);
    counter.labels({ a: 'x' }).inc();
    gauge.set(-7);
    gauge.inc(Number.POSITIVE_INFINITY);
    expect(await generateMetrics(registry)).toBe(
      [
        '# HELP memory_total c',
        '# TYPE memory_total counter',
        'memory_total{a="x"} 3.5',
        '# HELP memory_value g',
        '# TYPE memory_value gauge',
        'memory_value +Inf',
        '',
      ].join('\n'),
    );
  });
});
