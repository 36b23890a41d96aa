// The sources of the runtime metrics: one per runtime API, each probed when the metrics are made. A source whose
// API is missing, or refuses (Bun, Deno, Deno's permissions), is left out; one that has nothing new to show keeps
// its last figures. `collectRuntimeMetrics` (runtime.ts) reads them at scrape time.
import * as fs from 'node:fs';
import * as perfHooks from 'node:perf_hooks';
import * as v8 from 'node:v8';
import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram } from './histogram.js';
import type { Metric, MetricOptions } from './metric.js';
import { CollectorRegistry } from './registry.js';

/** Upper bounds of the GC duration histogram, in seconds: a scavenge takes a fraction of a millisecond. */
export const GC_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
]);

/**
 * One group of metrics filled in from one runtime API. `read()` updates them and says whether it had something
 * to show; a read without anything new (no delay sample since the last one, say) leaves the values as they were.
 */
export interface Source {
  readonly metrics: readonly Metric[];
  read(): boolean;
  stop?(): void;
}

/** Builds the runtime metrics with the caller's prefix and labels, in one private registry. */
export class MetricMaker {
  readonly made: Metric[] = [];
  private readonly registry: CollectorRegistry;
  private readonly labelNames: string[];

  constructor(
    target: CollectorRegistry,
    private readonly prefix: string | undefined,
    private readonly labels: Readonly<Record<string, string>>,
  ) {
    // The metrics are registered in a registry of their own with the target's prefix, so that a backend is told
    // the name they are exposed under; the target registry only holds the collector that yields them.
    this.registry = new CollectorRegistry(target.prefix === undefined ? {} : { prefix: target.prefix });
    this.labelNames = Object.keys(labels);
  }

  // Every runtime metric is per process: under a multi-process backend each process shows its own series.
  private options(unit: string | undefined, own: readonly string[]): MetricOptions {
    const options: MetricOptions = {
      registry: this.registry,
      requiredLabels: [...this.labelNames, ...own],
      defaultLabels: this.labels,
      multiprocessMode: 'perProcess',
    };
    if (unit !== undefined) options.unit = unit;
    return options;
  }

  private name(name: string): string {
    return this.prefix === undefined ? name : `${this.prefix}_${name}`;
  }

  private keep<M extends Metric>(metric: M): M {
    this.made.push(metric);
    return metric;
  }

  gauge(name: string, help: string, unit?: string, own: readonly string[] = []): Gauge {
    return this.keep(new Gauge(this.name(name), help, this.options(unit, own)));
  }

  counter(name: string, help: string, unit?: string): Counter {
    return this.keep(new Counter(this.name(name), help, this.options(unit, [])));
  }

  histogram(name: string, help: string, unit: string, own: readonly string[], buckets: readonly number[]) {
    return this.keep(new Histogram(this.name(name), help, { ...this.options(unit, own), buckets }));
  }
}

interface DenoLike {
  permissions?: { querySync?(descriptor: { name: 'read'; path: string }): { state: string } };
}

// Deno without --allow-read would throw (or, in a terminal, prompt) on reading /proc: ask first, quietly.
function mayRead(path: string): boolean {
  const deno = (globalThis as { Deno?: DenoLike }).Deno;
  const query = deno?.permissions?.querySync;
  if (query === undefined) return true;
  try {
    return query.call(deno!.permissions, { name: 'read', path }).state === 'granted';
  } catch {
    return false;
  }
}

// /proc is in memory: reading it synchronously costs microseconds and never waits for a disk.
function readProc(path: string): string | undefined {
  if (process.platform !== 'linux' || !mayRead(path)) return undefined;
  return fs.readFileSync(path, 'utf8');
}

function cpuSource(make: MetricMaker): Source | undefined {
  if (typeof process.cpuUsage !== 'function') return undefined;
  process.cpuUsage();
  const user = make.counter('process_cpu_user_seconds_total', 'User CPU time spent, in seconds.', 'seconds');
  const system = make.counter(
    'process_cpu_system_seconds_total',
    'System CPU time spent, in seconds.',
    'seconds',
  );
  const total = make.counter(
    'process_cpu_seconds_total',
    'User and system CPU time spent, in seconds.',
    'seconds',
  );
  // Microseconds already counted: a counter only goes up, so each read adds what was spent since the last.
  let seenUser = 0;
  let seenSystem = 0;
  return {
    metrics: [user, system, total],
    read() {
      const usage = process.cpuUsage();
      const addUser = Math.max(0, usage.user - seenUser);
      const addSystem = Math.max(0, usage.system - seenSystem);
      seenUser += addUser;
      seenSystem += addSystem;
      user.inc(addUser / 1e6);
      system.inc(addSystem / 1e6);
      total.inc((addUser + addSystem) / 1e6);
      return true;
    },
  };
}

function startTimeSource(make: MetricMaker): Source | undefined {
  const origin = perfHooks.performance?.timeOrigin;
  const startMs = typeof origin === 'number' && origin > 0 ? origin : Date.now() - process.uptime() * 1000;
  if (!Number.isFinite(startMs)) return undefined;
  const start = make.gauge(
    'process_start_time_seconds',
    'Start time of the process since the Unix epoch, in seconds.',
    'seconds',
  );
  return {
    metrics: [start],
    read() {
      start.set(startMs / 1000);
      return true;
    },
  };
}

function memorySource(make: MetricMaker): Source | undefined {
  if (typeof process.memoryUsage !== 'function') return undefined;
  process.memoryUsage();
  const rss = make.gauge('process_resident_memory_bytes', 'Resident memory size, in bytes.', 'bytes');
  const heapTotal = make.gauge(
    'nodejs_heap_size_total_bytes',
    'Size of the JavaScript heap, in bytes.',
    'bytes',
  );
  const heapUsed = make.gauge(
    'nodejs_heap_size_used_bytes',
    'Used size of the JavaScript heap, in bytes.',
    'bytes',
  );
  const external = make.gauge(
    'nodejs_external_memory_bytes',
    'Memory of C++ objects bound to JavaScript objects, array buffers included, in bytes.',
    'bytes',
  );
  const arrayBuffers = make.gauge(
    'nodejs_array_buffers_bytes',
    'Memory of ArrayBuffers and SharedArrayBuffers, Buffers included, in bytes.',
    'bytes',
  );
  return {
    metrics: [rss, heapTotal, heapUsed, external, arrayBuffers],
    read() {
      const usage = process.memoryUsage();
      rss.set(usage.rss);
      heapTotal.set(usage.heapTotal);
      heapUsed.set(usage.heapUsed);
      external.set(usage.external);
      arrayBuffers.set(usage.arrayBuffers);
      return true;
    },
  };
}

// `VmSize:    123456 kB` and the like, in bytes.
function statusField(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s*(\\d+) kB$`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]) * 1024;
}

function linuxMemorySource(make: MetricMaker): Source | undefined {
  const probe = readProc('/proc/self/status');
  if (probe === undefined || statusField(probe, 'VmSize') === undefined) return undefined;
  const virtual = make.gauge('process_virtual_memory_bytes', 'Virtual memory size, in bytes.', 'bytes');
  const heap = make.gauge(
    'process_heap_bytes',
    'Size of the process data segment (heap), in bytes.',
    'bytes',
  );
  return {
    metrics: [virtual, heap],
    read() {
      const status = readProc('/proc/self/status')!;
      const size = statusField(status, 'VmSize');
      const data = statusField(status, 'VmData');
      if (size !== undefined) virtual.set(size);
      if (data !== undefined) heap.set(data);
      return size !== undefined;
    },
  };
}

function fdSource(make: MetricMaker): Source | undefined {
  if (process.platform !== 'linux' || !mayRead('/proc/self/fd')) return undefined;
  fs.readdirSync('/proc/self/fd');
  const limits = readProc('/proc/self/limits');
  const soft = limits === undefined ? undefined : /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  const open = make.gauge('process_open_fds', 'Open file descriptors.');
  const max =
    soft === undefined ? undefined : make.gauge('process_max_fds', 'Limit of open file descriptors.');
  return {
    metrics: max === undefined ? [open] : [open, max],
    read() {
      // The listing includes the descriptor that reads it.
      open.set(fs.readdirSync('/proc/self/fd').length - 1);
      max?.set(Number(soft));
      return true;
    },
  };
}

function heapSpaceSource(make: MetricMaker): Source | undefined {
  if (typeof v8.getHeapSpaceStatistics !== 'function' || v8.getHeapSpaceStatistics().length === 0) {
    return undefined;
  }
  const size = make.gauge(
    'nodejs_heap_space_size_total_bytes',
    'Size of each V8 heap space, in bytes.',
    'bytes',
    ['space'],
  );
  const used = make.gauge(
    'nodejs_heap_space_size_used_bytes',
    'Used size of each V8 heap space, in bytes.',
    'bytes',
    ['space'],
  );
  const available = make.gauge(
    'nodejs_heap_space_size_available_bytes',
    'Available size of each V8 heap space, in bytes.',
    'bytes',
    ['space'],
  );
  return {
    metrics: [size, used, available],
    read() {
      for (const space of v8.getHeapSpaceStatistics()) {
        // `old_space` is shown as space="old", as Node users know it.
        const labels = { space: space.space_name.replace(/_space$/, '') };
        size.labels(labels).set(space.space_size);
        used.labels(labels).set(space.space_used_size);
        available.labels(labels).set(space.space_available_size);
      }
      return true;
    },
  };
}

/** Counts by type (a handle's class, a resource's name); a type seen before and gone now shows 0. */
function activeSource(
  make: MetricMaker,
  name: string,
  help: string,
  list: (() => readonly unknown[]) | undefined,
  typeOf: (item: unknown) => string,
): Source | undefined {
  if (list === undefined) return undefined;
  list();
  const gauge = make.gauge(name, help, undefined, ['type']);
  const counts = new Map<string, number>();
  return {
    metrics: [gauge],
    read() {
      for (const type of counts.keys()) counts.set(type, 0);
      for (const item of list()) {
        const type = typeOf(item);
        counts.set(type, (counts.get(type) ?? 0) + 1);
      }
      for (const [type, count] of counts) gauge.labels({ type }).set(count);
      return true;
    },
  };
}

function className(item: unknown): string {
  const name = (item as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'unknown';
}

// Node's own lists of what keeps the event loop alive; the first two are undocumented but long-standing.
interface ProcessInternals {
  _getActiveHandles?(): unknown[];
  _getActiveRequests?(): unknown[];
  getActiveResourcesInfo?(): string[];
}

function method(name: keyof ProcessInternals): (() => readonly unknown[]) | undefined {
  const internals = process as unknown as ProcessInternals;
  const fn = internals[name];
  return typeof fn === 'function' ? () => fn.call(internals) : undefined;
}

const DELAY_RESOLUTION_MS = 10;

function eventLoopDelaySource(make: MetricMaker): Source | undefined {
  // Deno's monitor (2.9) does not see a blocked loop: a 200 ms block shows as microseconds. Better no figure.
  if (typeof perfHooks.monitorEventLoopDelay !== 'function' || 'Deno' in globalThis) return undefined;
  const monitor = perfHooks.monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  monitor.enable();
  // Node's monitor records the time between two of its samples, the sampling interval included; the delay is
  // what goes beyond it, so an idle loop shows about 0. Bun's records the delay itself.
  const baseline = 'bun' in process.versions ? 0 : DELAY_RESOLUTION_MS * 1e6;
  const seconds = (nanoseconds: number) => Math.max(0, nanoseconds - baseline) / 1e9;
  const help = (what: string) =>
    `${what} of the event loop's delay since the previous scrape, in seconds (sampled every ${DELAY_RESOLUTION_MS} ms).`;
  // No standard deviation: Node's histogram computes it over all its buckets, which costs more (0.7 ms) than
  // every other read of a scrape together; the percentiles tell the spread better.
  const gauges = {
    min: make.gauge('nodejs_eventloop_delay_min_seconds', help('Minimum'), 'seconds'),
    max: make.gauge('nodejs_eventloop_delay_max_seconds', help('Maximum'), 'seconds'),
    mean: make.gauge('nodejs_eventloop_delay_mean_seconds', help('Mean'), 'seconds'),
    p50: make.gauge('nodejs_eventloop_delay_p50_seconds', help('Median'), 'seconds'),
    p90: make.gauge('nodejs_eventloop_delay_p90_seconds', help('90th percentile'), 'seconds'),
    p99: make.gauge('nodejs_eventloop_delay_p99_seconds', help('99th percentile'), 'seconds'),
  };
  return {
    metrics: Object.values(gauges),
    read() {
      // No sample since the last read (two reads within the sampling interval): keep the last interval's figures.
      if (!(monitor.max > 0) || monitor.min > monitor.max) return false;
      gauges.min.set(seconds(monitor.min));
      gauges.max.set(seconds(monitor.max));
      gauges.mean.set(seconds(monitor.mean));
      gauges.p50.set(seconds(monitor.percentile(50)));
      gauges.p90.set(seconds(monitor.percentile(90)));
      gauges.p99.set(seconds(monitor.percentile(99)));
      // The next read covers the time from now: percentiles of this interval, not of the process' whole life.
      // (Node's reset also forgets when it last sampled, so the first sample after it is taken one interval
      // later and does not count: a block that begins within 10 ms of a scrape is not seen.)
      monitor.reset();
      return true;
    },
    stop() {
      monitor.disable();
    },
  };
}

type Utilization = ReturnType<typeof perfHooks.performance.eventLoopUtilization>;

function eventLoopUtilizationSource(make: MetricMaker): Source | undefined {
  const performance = perfHooks.performance;
  if (typeof performance?.eventLoopUtilization !== 'function') return undefined;
  let last: Utilization = performance.eventLoopUtilization();
  const ratio = make.gauge(
    'nodejs_eventloop_utilization_ratio',
    'Share of time the event loop was busy since the previous scrape (0 to 1).',
    'ratio',
  );
  return {
    metrics: [ratio],
    read() {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, last);
      // Nothing measured (a runtime whose utilization stays at zero, or no time passed): nothing to show.
      if (!(delta.idle + delta.active > 0)) return false;
      ratio.set(delta.utilization);
      last = now;
      return true;
    },
  };
}

const GC_KINDS: Readonly<Record<number, string>> = {
  1: 'minor',
  4: 'major',
  8: 'incremental',
  16: 'weakcb',
};

interface GcEntry {
  readonly duration: number;
  readonly detail?: { kind?: number } | null;
  readonly kind?: number;
}

function gcSource(make: MetricMaker): Source | undefined {
  const Observer = perfHooks.PerformanceObserver;
  const types = (Observer as { supportedEntryTypes?: readonly string[] } | undefined)?.supportedEntryTypes;
  if (typeof Observer !== 'function' || !types?.includes('gc')) return undefined;
  const histogram = make.histogram(
    'nodejs_gc_duration_seconds',
    'Garbage collection pauses by kind (major, minor, incremental, weakcb), in seconds.',
    'seconds',
    ['kind'],
    GC_DURATION_BUCKETS,
  );
  let observed = false;
  const record = (entries: readonly GcEntry[]) => {
    for (const entry of entries) {
      if (!observed) {
        // Every kind shows from the first GC on, at zero until it happens.
        for (const kind of Object.values(GC_KINDS)) histogram.labels({ kind });
        observed = true;
      }
      const code = entry.detail?.kind ?? entry.kind;
      const kind = (code !== undefined && GC_KINDS[code]) || 'unknown';
      histogram.labels({ kind }).observe(entry.duration / 1000);
    }
  };
  const observer = new Observer((list) => record(list.getEntries() as unknown as GcEntry[]));
  observer.observe({ entryTypes: ['gc'] });
  return {
    metrics: [histogram],
    read() {
      // GCs since the last delivery of the observer are counted by this scrape already.
      record((observer.takeRecords?.() ?? []) as unknown as GcEntry[]);
      // A runtime that lists the entry type but never reports a GC (Deno) shows nothing.
      return observed;
    },
    stop() {
      observer.disconnect();
    },
  };
}

function versionSource(make: MetricMaker): Source | undefined {
  const version = String(process.version);
  const parts = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (parts === null) return undefined;
  const info = make.gauge('nodejs_version_info', 'Node.js version (the value is 1).', undefined, [
    'version',
    'major',
    'minor',
    'patch',
  ]);
  const child = info.labels({ version, major: parts[1]!, minor: parts[2]!, patch: parts[3]! });
  return {
    metrics: [info],
    read() {
      child.set(1);
      return true;
    },
  };
}

export const SOURCES: readonly ((make: MetricMaker) => Source | undefined)[] = [
  cpuSource,
  startTimeSource,
  memorySource,
  linuxMemorySource,
  fdSource,
  heapSpaceSource,
  (make) =>
    activeSource(
      make,
      'nodejs_active_handles',
      'Active libuv handles (sockets, servers, timers...) by type.',
      method('_getActiveHandles'),
      className,
    ),
  (make) =>
    activeSource(
      make,
      'nodejs_active_requests',
      'Active libuv requests (file system, DNS...) by type.',
      method('_getActiveRequests'),
      className,
    ),
  (make) =>
    activeSource(
      make,
      'nodejs_active_resources',
      'Resources keeping the event loop alive, by type (process.getActiveResourcesInfo()).',
      method('getActiveResourcesInfo'),
      String,
    ),
  eventLoopDelaySource,
  eventLoopUtilizationSource,
  gcSource,
  versionSource,
];
