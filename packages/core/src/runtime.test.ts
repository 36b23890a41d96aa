import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MemoryBackend } from '@pytheus/backend-memory';
import { promtool } from '@pytheus/test-support';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../test/fixtures/exposition.js';
import { NODE_ON_LINUX } from '../test/fixtures/runtime-names.js';
import type { LocalNumbers } from './for-backends.js';
import {
  CollectorRegistry,
  Counter,
  DuplicateMetricError,
  Gauge,
  generateMetrics,
  InvalidNameError,
  LabelError,
  loadBackend,
  PytheusError,
} from './index.js';
import { collectRuntimeMetrics, GC_DURATION_BUCKETS, type RuntimeMetrics } from './node.js';

const started: RuntimeMetrics[] = [];
function collect(...args: Parameters<typeof collectRuntimeMetrics>): RuntimeMetrics {
  const handle = collectRuntimeMetrics(...args);
  started.push(handle);
  return handle;
}

afterEach(() => {
  for (const handle of started.splice(0)) handle.stop();
  loadBackend({ backendClass: MemoryBackend });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function burnCpu(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) Math.sqrt(Math.random());
}

describe('runtime metrics in a process of their own (--expose-gc), scraped around known events', () => {
  let scrapes: Record<string, ReturnType<typeof parseExposition>>;
  let texts: Record<string, string>;
  let at: Record<string, number>;

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--expose-gc',
        '--conditions=@pytheus/source',
        '--import',
        'tsx',
        join(import.meta.dirname, '../test/fixtures/runtime-scenario.ts'),
      ],
      { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' },
    );
    const result = JSON.parse(stdout) as { scrapes: Record<string, string>; at: Record<string, number> };
    texts = result.scrapes;
    at = result.at;
    scrapes = Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, parseExposition(text)]));
  }, 60_000);

  it('shows every metric, with its type, once each source has something to show', () => {
    const types = Object.fromEntries(scrapes.gc!.types);
    expect(types).toEqual(NODE_ON_LINUX);
    // The GC histogram shows from the first GC on (maybe before the forced ones); everything else from the first
    // scrape.
    const { nodejs_gc_duration_seconds: _, ...beforeGc } = NODE_ON_LINUX;
    const { nodejs_gc_duration_seconds: __, ...first } = Object.fromEntries(scrapes.warm!.types);
    expect(first).toEqual(beforeGc);
  });

  it('is accepted by promtool, names linted', () => {
    expect(promtool(texts.gc!)).toEqual({ status: 0, output: '' });
  });

  it('counts CPU time as counters that grow with work: 200 ms of CPU time spent adds that much', () => {
    const cpu = (scrape: string) => scrapes[scrape]!.value('process_cpu_seconds_total');
    expect(cpu('start')).toBeGreaterThan(0);
    expect(cpu('blocked') - cpu('idle')).toBeGreaterThanOrEqual(0.2);
    expect(cpu('blocked') - cpu('idle')).toBeLessThan(1);
    for (const scrape of ['start', 'blocked', 'gc']) {
      const s = scrapes[scrape]!;
      expect(s.value('process_cpu_seconds_total')).toBeCloseTo(
        s.value('process_cpu_user_seconds_total') + s.value('process_cpu_system_seconds_total'),
        9,
      );
    }
  });

  it('has a start time in the past, that does not move', () => {
    const start = scrapes.start!.value('process_start_time_seconds');
    expect(start).toBeLessThan(at.start!);
    expect(start).toBeGreaterThan(at.start! - 60);
    expect(scrapes.gc!.value('process_start_time_seconds')).toBe(start);
  });

  it('shows memory and file descriptors with plausible values', () => {
    const s = scrapes.start!;
    const rss = s.value('process_resident_memory_bytes');
    expect(rss).toBeGreaterThan(10 * 2 ** 20);
    expect(s.value('process_virtual_memory_bytes')).toBeGreaterThan(rss);
    expect(s.value('process_heap_bytes')).toBeGreaterThan(0);
    expect(s.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(s.value('nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(
      s.value('nodejs_heap_size_total_bytes'),
    );
    expect(s.value('nodejs_external_memory_bytes')).toBeGreaterThan(0);
    expect(s.value('nodejs_array_buffers_bytes')).toBeGreaterThanOrEqual(0);
    // stdin, stdout, stderr at least; far below the limit.
    expect(s.value('process_open_fds')).toBeGreaterThanOrEqual(3);
    expect(s.value('process_max_fds')).toBeGreaterThan(s.value('process_open_fds'));
  });

  it('shows each V8 heap space by its short name', () => {
    const s = scrapes.start!;
    const spaces = s.find('nodejs_heap_space_size_used_bytes').map((sample) => sample.labels.space);
    expect(spaces).toEqual(expect.arrayContaining(['new', 'old', 'code', 'large_object']));
    for (const space of spaces) {
      expect(s.value('nodejs_heap_space_size_used_bytes', { space: space! })).toBeLessThanOrEqual(
        s.value('nodejs_heap_space_size_total_bytes', { space: space! }),
      );
      expect(s.find('nodejs_heap_space_size_available_bytes', { space: space! })).toHaveLength(1);
    }
    expect(s.value('nodejs_heap_space_size_used_bytes', { space: 'old' })).toBeGreaterThan(0);
  });

  it('shows active handles and resources by type', () => {
    const s = scrapes.start!;
    // The scenario's stdout is a pipe to this process.
    expect(s.find('nodejs_active_handles').length).toBeGreaterThan(0);
    expect(s.find('nodejs_active_resources').length).toBeGreaterThan(0);
    for (const sample of [...s.find('nodejs_active_handles'), ...s.find('nodejs_active_resources')]) {
      expect(sample.labels.type).toMatch(/^\w+$/);
      expect(sample.value).toBeGreaterThanOrEqual(0);
    }
  });

  it('shows event-loop delay percentiles of the time since the previous scrape: a 200 ms block moves them, the next scrape is quiet again', () => {
    const delay = (scrape: string, what: string) =>
      scrapes[scrape]!.value(`nodejs_eventloop_delay_${what}_seconds`);
    // An idle loop is late by well under the 10 ms sampling interval, which is not counted as delay (on a busy
    // machine, by a few ms more).
    expect(delay('idle', 'max')).toBeLessThan(0.1);
    expect(delay('idle', 'p50')).toBeLessThan(0.05);
    expect(delay('blocked', 'max')).toBeGreaterThan(0.18);
    expect(delay('blocked', 'p99')).toBeGreaterThan(0.18);
    expect(delay('blocked', 'mean')).toBeGreaterThan(delay('idle', 'mean'));
    for (const what of ['min', 'p50', 'p90', 'p99', 'max']) {
      expect(delay('blocked', what)).toBeGreaterThanOrEqual(0);
    }
    expect(delay('blocked', 'min')).toBeLessThanOrEqual(delay('blocked', 'p50'));
    expect(delay('blocked', 'p50')).toBeLessThanOrEqual(delay('blocked', 'p90'));
    expect(delay('blocked', 'p90')).toBeLessThanOrEqual(delay('blocked', 'p99'));
    expect(delay('blocked', 'p99')).toBeLessThanOrEqual(delay('blocked', 'max'));
    // Reset at every scrape: the block is not in the next interval (prom-client's issue #561).
    expect(delay('after', 'max')).toBeLessThan(0.15);
  });

  it('shows event-loop utilization over the same interval', () => {
    const utilization = (scrape: string) => scrapes[scrape]!.value('nodejs_eventloop_utilization_ratio');
    for (const scrape of ['idle', 'blocked', 'after']) {
      expect(utilization(scrape)).toBeGreaterThanOrEqual(0);
      expect(utilization(scrape)).toBeLessThanOrEqual(1);
    }
    // 200 ms or more busy out of about 30 ms more; the interval after it mostly sleeps.
    expect(utilization('blocked')).toBeGreaterThan(0.6);
    expect(utilization('after')).toBeLessThan(utilization('blocked') - 0.2);
  });

  it('counts GC pauses by kind once global.gc() ran: every kind shown, major ones counted, in seconds', () => {
    const s = scrapes.gc!;
    for (const kind of ['major', 'minor', 'incremental', 'weakcb']) {
      expect(s.find('nodejs_gc_duration_seconds_count', { kind })).toHaveLength(1);
      expect(s.find('nodejs_gc_duration_seconds_bucket', { kind })).toHaveLength(
        GC_DURATION_BUCKETS.length + 1,
      );
    }
    const majors = s.value('nodejs_gc_duration_seconds_count', { kind: 'major' });
    expect(majors).toBeGreaterThanOrEqual(2);
    expect(s.value('nodejs_gc_duration_seconds_bucket', { kind: 'major', le: '+Inf' })).toBe(majors);
    const sum = s.value('nodejs_gc_duration_seconds_sum', { kind: 'major' });
    expect(sum).toBeGreaterThan(0);
    expect(sum / majors).toBeLessThan(1);
  });

  it('shows the Node version as an info metric', () => {
    const [major, minor, patch] = process.versions.node.split('.');
    expect(scrapes.start!.find('nodejs_version_info')).toEqual([
      { name: 'nodejs_version_info', labels: { version: process.version, major, minor, patch }, value: 1 },
    ]);
  });
});

describe('collectRuntimeMetrics()', () => {
  it('registers in the default registry by default, with units for OpenMetrics', async () => {
    const handle = collect();
    expect(handle.names).toEqual(
      expect.arrayContaining(['process_cpu_seconds_total', 'nodejs_version_info']),
    );
    const text = await generateMetrics(undefined, { format: 'openmetrics' });
    expect(text).toContain('# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n');
    expect(text).toContain(
      '# TYPE process_resident_memory_bytes gauge\n# UNIT process_resident_memory_bytes bytes\n',
    );
    expect(text).toContain(
      '# TYPE nodejs_eventloop_utilization_ratio gauge\n# UNIT nodejs_eventloop_utilization_ratio ratio\n',
    );
  });

  it('puts the prefix after the registry prefix, and adds the labels to every series', async () => {
    const registry = new CollectorRegistry({ prefix: 'shop' });
    collect({ registry, prefix: 'api', labels: { service: 'checkout', region: 'eu' } });
    const parsed = parseExposition(await generateMetrics(registry));
    expect([...parsed.types.keys()].every((name) => name.startsWith('shop_api_'))).toBe(true);
    expect(parsed.types.get('shop_api_process_cpu_seconds_total')).toBe('counter');
    for (const sample of parsed.samples) {
      expect(sample.labels).toMatchObject({ service: 'checkout', region: 'eu' });
    }
    expect(parsed.find('shop_api_nodejs_heap_space_size_used_bytes', { space: 'old' })).toHaveLength(1);
  });

  it('reads nothing between scrapes: values change only when the registry is scraped', async () => {
    const registry = new CollectorRegistry();
    collect({ registry });
    const cpu = async () =>
      parseExposition(await generateMetrics(registry)).value('process_cpu_seconds_total');
    const first = await cpu();
    burnCpu(50);
    expect(await cpu()).toBeGreaterThan(first);
  });

  it('called again with the same registry and options, returns the same handle', () => {
    const registry = new CollectorRegistry();
    const handle = collect({ registry, labels: { a: '1', b: '2' } });
    expect(collectRuntimeMetrics({ registry, labels: { b: '2', a: '1' } })).toBe(handle);
    // Another registry gets its own.
    expect(collect({ registry: new CollectorRegistry() })).not.toBe(handle);
  });

  it('called again with other options for the same registry, throws a DuplicateMetricError until stopped', async () => {
    const registry = new CollectorRegistry();
    const handle = collect({ registry, prefix: 'a' });
    for (const other of [
      { prefix: 'b' },
      { prefix: 'a', labels: { x: '1' } },
      { prefix: 'a', refreshIntervalMs: 1 },
    ]) {
      expect(() => collectRuntimeMetrics({ registry, ...other })).toThrow(DuplicateMetricError);
    }
    expect(() => collectRuntimeMetrics({ registry })).toThrow(
      'collectRuntimeMetrics: this registry collects runtime metrics already, with prefix "a", labels {} and refreshIntervalMs 5000; stop() that handle before collecting with other options',
    );
    handle.stop();
    const again = collect({ registry, prefix: 'b' });
    expect(again).not.toBe(handle);
    expect(await generateMetrics(registry)).toContain('\nb_process_cpu_seconds_total ');
  });

  it('stop() unregisters, and can be called twice', async () => {
    const registry = new CollectorRegistry();
    new Counter('app_total', 'Mine.', { registry }).inc();
    const handle = collect({ registry });
    expect(await generateMetrics(registry)).toContain('process_cpu_seconds_total');
    handle.stop();
    handle.stop();
    expect(handle.stopped).toBe(true);
    expect(await generateMetrics(registry)).toBe(
      '# HELP app_total Mine.\n# TYPE app_total counter\napp_total 1\n',
    );
  });

  it('refuses a registry that holds a metric of the same name, and starts nothing', () => {
    const registry = new CollectorRegistry();
    new Gauge('process_open_fds', 'Mine.', { registry });
    expect(() => collectRuntimeMetrics({ registry })).toThrow(DuplicateMetricError);
    // Nothing is left running or registered for that registry: with the clash gone, it works.
    registry.unregister(registry.get('process_open_fds')!);
    expect(collect({ registry }).stopped).toBe(false);
  });

  it.each([
    [
      'options that are not an object',
      'x',
      PytheusError,
      'collectRuntimeMetrics: options must be an object, got "x"',
    ],
    [
      'a registry that is not one',
      { registry: {} },
      PytheusError,
      'collectRuntimeMetrics: registry must be a CollectorRegistry, got an object',
    ],
    [
      'a bad prefix',
      { prefix: 'my-app' },
      InvalidNameError,
      'invalid runtime metrics prefix "my-app": expected a string matching ^[a-zA-Z_:][a-zA-Z0-9_:]*$',
    ],
    [
      'labels that are not an object',
      { labels: ['a'] },
      LabelError,
      'collectRuntimeMetrics: labels must be an object of label values, got an array',
    ],
    [
      'a bad label name',
      { labels: { 'a-b': 'x' } },
      InvalidNameError,
      'collectRuntimeMetrics: invalid label name "a-b"',
    ],
    [
      'a label the runtime metrics use',
      { labels: { kind: 'x' } },
      LabelError,
      'collectRuntimeMetrics: label "kind" is used by the runtime metrics themselves (space, type, kind, version, major, minor, patch, le)',
    ],
    [
      'a label value that is not a string',
      { labels: { a: 1 } },
      LabelError,
      'collectRuntimeMetrics: label "a" must be a string, got number 1',
    ],
    [
      'a refresh interval that is not a positive number',
      { refreshIntervalMs: 0 },
      PytheusError,
      'collectRuntimeMetrics: refreshIntervalMs must be a positive number of milliseconds, got number 0',
    ],
  ])('refuses %s with a typed error', (_, options, errorClass, message) => {
    const registry = new CollectorRegistry();
    const given = typeof options === 'object' ? { registry, ...options } : options;
    expect(() => collectRuntimeMetrics(given as never)).toThrow(errorClass);
    expect(() => collectRuntimeMetrics(given as never)).toThrow(message);
    expect(registry.get('process_cpu_seconds_total')).toBeUndefined();
    expect(() => collect({ registry })).not.toThrow();
  });
});

describe('runtime metrics under a backend', () => {
  // A backend that keeps numbers in process and lets a test look at them: with `readMetrics` it is one that
  // shows other processes' series, which is what makes this process refresh its values on a timer.
  function watchingBackend(sharedAcrossProcesses: boolean) {
    const seen = new Map<string, LocalNumbers>();
    class Watching {
      static attach(_config: unknown, numbers: LocalNumbers) {
        seen.set(numbers.metric.name, numbers);
      }
    }
    if (sharedAcrossProcesses) {
      Object.assign(Watching, {
        readMetrics: async (_config: unknown, metrics: readonly unknown[]) => metrics.map(() => []),
      });
    }
    return { backendClass: Watching, seen };
  }

  it('are per-process metrics, bound when collectRuntimeMetrics() is called', () => {
    const { backendClass, seen } = watchingBackend(false);
    loadBackend({ backendClass });
    const handle = collect({ registry: new CollectorRegistry({ prefix: 'svc' }) });
    expect([...seen.keys()].sort()).toEqual(handle.names.map((name) => `svc_${name}`).sort());
    for (const numbers of seen.values()) expect(numbers.metric.multiprocessMode).toBe('perProcess');
    expect(seen.get('svc_process_cpu_seconds_total')!.metric.type).toBe('counter');
    expect(seen.get('svc_nodejs_gc_duration_seconds')!.metric.type).toBe('histogram');
  });

  it('in one process, are read at scrape time only: nothing runs between scrapes', async () => {
    const { backendClass, seen } = watchingBackend(false);
    loadBackend({ backendClass });
    collect({ registry: new CollectorRegistry(), refreshIntervalMs: 10 });
    const cpu = seen.get('process_cpu_seconds_total')!;
    const before = cpu.numbers[0];
    burnCpu(30);
    await sleep(50);
    expect(cpu.numbers[0]).toBe(before);
  });

  it('across processes, are refreshed on a timer, so that other processes see current values; stop() ends it', async () => {
    const { backendClass, seen } = watchingBackend(true);
    loadBackend({ backendClass });
    const handle = collect({ registry: new CollectorRegistry(), refreshIntervalMs: 10 });
    const cpu = seen.get('process_cpu_seconds_total')!;
    const before = cpu.numbers[0]!;
    burnCpu(30);
    await sleep(50);
    expect(cpu.numbers[0]).toBeGreaterThan(before);
    handle.stop();
    const stopped = cpu.numbers[0];
    burnCpu(30);
    await sleep(50);
    expect(cpu.numbers[0]).toBe(stopped);
  });
});
