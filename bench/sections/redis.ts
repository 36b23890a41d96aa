// The Redis section: what the multi-process backend costs. In one run it reports
// - the cost of inc() on a held child under the Redis backend against the memory backend (target: within 2x),
//   each timed in a process of its own that loads only that backend, as an application does;
// - the Redis commands sent for 1,000,000 increments of one series (from INFO commandstats);
// - scrapes of 1,000 and 10,000 histogram series and of 100,000 counter series through Redis (targets: 10 ms,
//   150 ms, 400 ms), each in a process of its own, next to the same scrape on the memory backend (the part of a
//   scrape that is core's: assembling and rendering the text) and, for the counters, a raw HGETALL of the same
//   100,000 fields (what Redis and ioredis alone cost);
// - heap bytes per series on Redis and in memory, counters and histograms (target: at most 150 on Redis), each in a
//   process of its own: gc, heap reading, create 100,000 series and write each once, flush, gc, heap reading;
// - the longest script call (SLOWLOG) of flushes of 50,000 counter series and 5,000 histogram series;
// - as timed cases against the anchors (which scrape from memory): a scrape of 1000 histogram series through Redis,
//   and a held child's inc() on Redis against the anchors' inc().
// It starts its own redis-server on a free loopback port and stops it afterwards.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Counter as PioCounter,
  Histogram as PioHistogram,
  Registry as PioRegistry,
} from '@prometheus-io/client';
import { MemoryBackend } from '@pytheus/backend-memory';
import { RedisBackend, type RedisBackendConfig } from '@pytheus/backend-redis';
import {
  CollectorRegistry,
  Counter,
  closeBackend,
  flushBackend,
  generateMetrics,
  Histogram,
  loadBackend,
} from '@pytheus/core';
import { Redis } from 'ioredis';
import { Counter as PromCounter, Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';
import { gc, measure, type Timing } from '../lib/measure.js';
import { anchorTotal, pytheusTotal } from '../lib/readback.js';
import { defineSection } from '../lib/section.js';
import { BUCKETS, LATENCIES } from '../lib/workload.js';

const TITLE =
  'Redis backend: inc() against memory, commands per 1M increments, scrapes, heap per series, script times';
const INCREMENTS = 1_000_000;
const HISTOGRAM_SERIES = 1000;
const HELP = 'Requests served';

interface Server {
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<Server> {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'the redis section needs redis-server on PATH (Debian/Ubuntu: apt-get install redis-server)',
    );
  }
  let port = await freePort();
  if (port === 6379) port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'pytheus-bench-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls per command name, from INFO commandstats. */
function commandStats(port: number): Map<string, number> {
  const text = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'commandstats'], { encoding: 'utf8' });
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

// While it only counts, the backend sends nothing but script calls: EVALSHA (or SCRIPT LOAD and EVAL after a Redis
// restart). Everything else in commandstats (GET, HGET, HSET, EXPIRE, SET) ran inside those scripts.
const CLIENT_COMMANDS = ['evalsha', 'eval', 'script'];

function commandDelta(
  before: Map<string, number>,
  after: Map<string, number>,
): { sent: number; inScripts: number } {
  let sent = 0;
  let inScripts = 0;
  for (const [name, calls] of after) {
    if (name === 'info') continue;
    const delta = calls - (before.get(name) ?? 0);
    if (CLIENT_COMMANDS.includes(name)) sent += delta;
    else inScripts += delta;
  }
  return { sent, inScripts };
}

function redisConfig(port: number, keyPrefix: string): RedisBackendConfig {
  return { host: '127.0.0.1', port, keyPrefix };
}

async function incTiming(): Promise<Timing> {
  const counter = new Counter('requests_total', HELP, {
    registry: new CollectorRegistry(),
    requiredLabels: ['route'],
  });
  const child = counter.labels({ route: '/users' });
  child.inc();
  return measure(() => child.inc());
}

/**
 * Runs this file in a process of its own with `args` (`--inc`, `--scrape`, `--heap`) and returns the JSON it
 * prints last. inc() is timed this way so that the process loads only one backend, as an application does (with
 * both in one process the call site inside Counter.inc() would see two classes and be slower for both); scrapes
 * and heap readings so that no case's garbage or JIT state colours another's.
 */
function inChild<T>(...args: string[]): T {
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(output.trim().split('\n').at(-1)!) as T;
}

type BackendName = 'memory' | 'redis';

/** Loads one backend in a child process; Redis with a generous deadline, since big flushes are set up here. */
function loadIn(backend: BackendName, port: number, keyPrefix: string): RedisBackendConfig | undefined {
  if (backend === 'memory') {
    loadBackend({ backendClass: MemoryBackend });
    return undefined;
  }
  const config = { ...redisConfig(port, keyPrefix), commandTimeoutMs: 60_000 };
  loadBackend({ backendClass: RedisBackend, backendConfig: config });
  return config;
}

async function incChildMain(backend: BackendName, port: number): Promise<void> {
  loadIn(backend, port, 'bench-inc:');
  const timing = await incTiming();
  await closeBackend();
  process.stdout.write(`${JSON.stringify(timing)}\n`);
}

/** Median and fastest of `runs` calls of `op`, after two calls that warm it up, in milliseconds. */
async function timeRuns(
  op: () => Promise<unknown>,
  runs: number,
): Promise<{ medianMs: number; minMs: number }> {
  await op();
  await op();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await op();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[runs >> 1]!, minMs: times[0]! };
}

// 100,000 series as the series section makes them: 1000 tenants x 100 routes.
function seriesLabels(): (i: number) => { tenant: string; route: string } {
  const tenants = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
  const routes = Array.from({ length: 100 }, (_, i) => `/api/v1/resource${i}/:id`);
  return (i) => ({ tenant: tenants[i % 1000]!, route: routes[(i / 1000) | 0]! });
}

/** The scrapes measured: histograms with one observation per series (as the timed case) or one in every bucket. */
const SCRAPES = {
  '1000 histogram series': { series: 1000, kind: 'histogram', runs: 25 },
  '10,000 histogram series': { series: 10_000, kind: 'histogram', runs: 11 },
  '10,000 histogram series, every bucket used': { series: 10_000, kind: 'dense', runs: 11 },
  '100,000 counter series': { series: 100_000, kind: 'counter', runs: 9 },
} as const;
type ScrapeName = keyof typeof SCRAPES;

interface ScrapeTiming {
  medianMs: number;
  minMs: number;
  /** Counters on Redis: a raw HGETALL of the metric's hash through ioredis, measured alongside. */
  rawHgetall?: { medianMs: number; minMs: number };
}

async function scrapeChildMain(backend: BackendName, name: ScrapeName, port: number): Promise<void> {
  const { series, kind, runs } = SCRAPES[name];
  const config = loadIn(backend, port, `bench-scrape-${kind}-${series}:`);
  const registry = new CollectorRegistry();
  let key: string | undefined;
  if (kind === 'counter') {
    const labels = seriesLabels();
    const counter = new Counter('requests_total', HELP, { registry, requiredLabels: ['tenant', 'route'] });
    for (let i = 0; i < series; i++) counter.labels(labels(i)).inc();
    key = `${config?.keyPrefix}{requests_total}:counter:values`;
  } else {
    const { histogram } = histogramRegistryIn(registry);
    for (let i = 0; i < series; i++) {
      const child = histogram.labels({ route: `/route/${i}` });
      if (kind === 'histogram') child.observe(LATENCIES[i & 1023]!);
      else for (const bound of [0, ...BUCKETS]) child.observe(bound + 0.001);
    }
  }
  await flushBackend();
  const timing: ScrapeTiming = await timeRuns(() => generateMetrics(registry), runs);
  if (config !== undefined && key !== undefined) {
    const raw = new Redis({ host: '127.0.0.1', port });
    timing.rawHgetall = await timeRuns(() => raw.call('HGETALL', key), runs);
    raw.disconnect();
  }
  await closeBackend();
  process.stdout.write(`${JSON.stringify(timing)}\n`);
}

const HEAP_SERIES = 100_000;

interface HeapReading {
  /** V8 heap bytes per series (heapUsed). */
  heap: number;
  /** Bytes per series outside the V8 heap, in array buffers (typed arrays of numbers). */
  arrayBuffers: number;
}

/** gc, heap reading, create the series and write each once, flush, gc, heap reading. */
async function heapChildMain(
  backend: BackendName,
  kind: 'counter' | 'histogram',
  port: number,
): Promise<void> {
  loadIn(backend, port, `bench-heap-${kind}:`);
  const labels = seriesLabels();
  const registry = new CollectorRegistry();
  const metric =
    kind === 'counter'
      ? new Counter('requests_total', HELP, { registry, requiredLabels: ['tenant', 'route'] })
      : new Histogram('request_duration_seconds', 'Latency', {
          registry,
          requiredLabels: ['tenant', 'route'],
          buckets: BUCKETS,
        });
  const write = (values: { tenant: string; route: string }) => {
    const child = metric.labels(values);
    if (child instanceof Counter) child.inc();
    else (child as Histogram).observe(0.042);
  };
  // The metric is bound (and the connection open) before the first reading: only the series are counted.
  write({ tenant: 'first', route: 'first' });
  await flushBackend();
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < HEAP_SERIES; i++) write(labels(i));
  await flushBackend();
  gc();
  const after = process.memoryUsage();
  const reading: HeapReading = {
    heap: (after.heapUsed - before.heapUsed) / HEAP_SERIES,
    arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / HEAP_SERIES,
  };
  // Read after the second reading, so that what the series live in cannot be collected before it.
  if (metric.labelNames.length !== 2 || registry === undefined) throw new Error('the series are gone');
  await closeBackend();
  process.stdout.write(`${JSON.stringify(reading)}\n`);
}

interface ScriptTimes {
  calls: number;
  maxUs: number;
  medianUs: number;
}

/** The script calls of one flush, from SLOWLOG (every command logged): how many, the longest, the median. */
async function scriptTimes(admin: Redis, flush: () => Promise<void>): Promise<ScriptTimes> {
  await admin.slowlog('RESET');
  await flush();
  const log = (await admin.slowlog('GET', 1_000_000)) as [number, number, number, string[]][];
  const times = log
    .filter((entry) => /^eval/i.test(String(entry[3][0])))
    .map((entry) => entry[2])
    .sort((a, b) => a - b);
  return { calls: times.length, maxUs: times.at(-1) ?? 0, medianUs: times[times.length >> 1] ?? 0 };
}

/** The longest script calls of flushes of many new, then changed, counter and histogram series. */
async function flushScripts(port: number): Promise<Record<string, ScriptTimes>> {
  const admin = new Redis({ host: '127.0.0.1', port });
  await admin.config('SET', 'slowlog-log-slower-than', '0');
  await admin.config('SET', 'slowlog-max-len', '100000');
  const config = {
    ...redisConfig(port, 'bench-slowlog:'),
    commandTimeoutMs: 60_000,
    flushIntervalMs: 600_000,
  };
  loadBackend({ backendClass: RedisBackend, backendConfig: config });
  const registry = new CollectorRegistry();
  const counter = new Counter('events_total', 'events', { registry, requiredLabels: ['key'] });
  const { histogram } = histogramRegistryIn(registry);
  const times: Record<string, ScriptTimes> = {};
  try {
    const counters = (by: number) => () => {
      for (let i = 0; i < 50_000; i++) counter.labels({ key: `k${i}` }).inc(by);
      return flushBackend();
    };
    const histograms = (value: number) => () => {
      for (let i = 0; i < 5000; i++) histogram.labels({ route: `/route/${i}` }).observe(value + i / 1e5);
      return flushBackend();
    };
    times['50,000 new counter series'] = await scriptTimes(admin, counters(1));
    times['50,000 changed counter series'] = await scriptTimes(admin, counters(2));
    times['5000 new histogram series'] = await scriptTimes(admin, histograms(0.042));
    times['5000 changed histogram series'] = await scriptTimes(admin, histograms(0.3));
  } finally {
    await closeBackend();
    await admin.config('SET', 'slowlog-log-slower-than', '10000');
    admin.disconnect();
  }
  return times;
}

/** Redis commands sent for a million increments of one series, in slices so that the flush timer gets turns. */
async function commandsPerMillion(port: number): Promise<{ sent: number; inScripts: number }> {
  const config = redisConfig(port, 'bench-commands:');
  loadBackend({ backendClass: RedisBackend, backendConfig: config });
  try {
    const counter = new Counter('events_total', 'events', { registry: new CollectorRegistry() });
    counter.inc(0);
    await flushBackend();
    const before = commandStats(port);
    for (let done = 0; done < INCREMENTS; done += 10_000) {
      for (let i = 0; i < 10_000; i++) counter.inc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The flush that a scrape or a shutdown does.
    await flushBackend();
    return commandDelta(before, commandStats(port));
  } finally {
    await closeBackend();
  }
}

/** Targets of the Redis backend (from issue 10): scrape times in ms, heap bytes per series, the inc() ratio. */
const SCRAPE_TARGETS_MS: Partial<Record<ScrapeName, number>> = {
  '1000 histogram series': 10,
  '10,000 histogram series': 150,
  '100,000 counter series': 400,
};
const HEAP_TARGET = 150;

export interface RedisFigures {
  incMemoryNs: number;
  incRedisNs: number;
  /** inc() under Redis divided by inc() in memory; the target is at most 2. */
  incRatio: number;
  incTargetMet: boolean;
  commandsPerMillionIncrements: number;
  /** Redis operations run inside those commands' scripts (HGET, HSET, EXPIRE...). */
  scriptOperationsPerMillionIncrements: number;
  /** Per scrape: on Redis and on the memory backend, each in a process of its own. */
  scrapes: Record<
    string,
    { redis: ScrapeTiming; memory: ScrapeTiming; targetMs?: number; targetMet?: boolean }
  >;
  /** Heap bytes per series, 100,000 series written once and flushed. */
  heap: Record<'counter' | 'histogram', { redis: HeapReading; memory: HeapReading }>;
  heapTargetMet: boolean;
  /** Script calls of large flushes. */
  flushScripts: Record<string, ScriptTimes>;
}

function printFigures(figures: RedisFigures): void {
  const ms = (timing: { medianMs: number; minMs: number }) =>
    `${timing.medianMs.toFixed(1)} ms (min ${timing.minMs.toFixed(1)})`;
  const rows: [string, string, string][] = [
    ['inc() held child, memory backend', `${figures.incMemoryNs.toFixed(2)} ns`, 'own process'],
    [
      'inc() held child, Redis backend',
      `${figures.incRedisNs.toFixed(2)} ns`,
      `own process; ${figures.incRatio.toFixed(2)}x memory, target <= 2x ${figures.incTargetMet ? 'met' : 'MISSED'}`,
    ],
    [
      `Redis commands per ${INCREMENTS.toLocaleString('en')} increments of one series`,
      String(figures.commandsPerMillionIncrements),
      `${figures.scriptOperationsPerMillionIncrements} operations inside their scripts`,
    ],
  ];
  for (const [name, scrape] of Object.entries(figures.scrapes)) {
    const target =
      scrape.targetMs === undefined
        ? ''
        : `; target <= ${scrape.targetMs} ms ${scrape.targetMet ? 'met' : 'MISSED'} (median)`;
    rows.push([`scrape ${name}, Redis`, ms(scrape.redis), `memory backend ${ms(scrape.memory)}${target}`]);
    if (scrape.redis.rawHgetall !== undefined) {
      rows.push([`  raw HGETALL of those fields (ioredis)`, ms(scrape.redis.rawHgetall), 'what Redis costs']);
    }
  }
  for (const [kind, { redis, memory }] of Object.entries(figures.heap)) {
    rows.push([
      `heap per ${kind} series, Redis`,
      `${redis.heap.toFixed(0)} B`,
      `+ ${redis.arrayBuffers.toFixed(0)} B in array buffers; memory backend ${memory.heap.toFixed(0)} B + ${memory.arrayBuffers.toFixed(0)} B${kind === 'counter' ? `; target <= ${HEAP_TARGET} B (both) ${figures.heapTargetMet ? 'met' : 'MISSED'}` : ''}`,
    ]);
  }
  for (const [name, times] of Object.entries(figures.flushScripts)) {
    rows.push([
      `flush of ${name}: longest script call`,
      `${(times.maxUs / 1000).toFixed(2)} ms`,
      `${times.calls} calls, median ${(times.medianUs / 1000).toFixed(2)} ms (SLOWLOG)`,
    ]);
  }
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  console.log(TITLE);
  for (const [name, value, note] of rows) {
    console.log(`${name.padEnd(widths[0]!)}  ${value.padStart(widths[1]!)}  ${note}`);
  }
  console.log('(the timed cases below run in the section process, with pytheus on Redis)');
}

/** An anchor's scrape of the same 1000 histogram series, from memory. */
function anchorScrape(Registry: typeof PromRegistry, HistogramClass: typeof PromHistogram) {
  const registry = new Registry();
  const histogram = new HistogramClass({
    name: 'request_duration_seconds',
    help: 'Request latency',
    labelNames: ['route'],
    buckets: BUCKETS,
    registers: [registry],
  });
  for (let i = 0; i < HISTOGRAM_SERIES; i++)
    histogram.labels({ route: `/route/${i}` }).observe(LATENCIES[i & 1023]!);
  let length = 0;
  return {
    op: async () => {
      length = (await registry.metrics()).length;
    },
    check: () => length,
  };
}

let server: Server | undefined;
let figures: RedisFigures | undefined;
let redisConfigForCases: RedisBackendConfig | undefined;

function histogramRegistryIn(registry: CollectorRegistry): {
  registry: CollectorRegistry;
  histogram: Histogram<'route'>;
} {
  const histogram = new Histogram('request_duration_seconds', 'Request latency', {
    registry,
    requiredLabels: ['route'],
    buckets: BUCKETS,
  });
  return { registry, histogram };
}

function histogramRegistry(): { registry: CollectorRegistry; histogram: Histogram<'route'> } {
  return histogramRegistryIn(new CollectorRegistry());
}

export default defineSection({
  name: 'redis',
  title:
    'pytheus on the Redis backend (anchors in memory): held child inc() and a scrape of 1000 histogram series',
  before: async () => {
    server = await startRedis();
    const port = String(server.port);
    const incMemory = inChild<Timing>('--inc', 'memory', port);
    const incRedis = inChild<Timing>('--inc', 'redis', port);
    const commands = await commandsPerMillion(server.port);
    const incRatio = incRedis.ns / incMemory.ns;
    const scrapes: RedisFigures['scrapes'] = {};
    for (const name of Object.keys(SCRAPES) as ScrapeName[]) {
      const redis = inChild<ScrapeTiming>('--scrape', 'redis', name, port);
      const memory = inChild<ScrapeTiming>('--scrape', 'memory', name, port);
      const targetMs = SCRAPE_TARGETS_MS[name];
      scrapes[name] =
        targetMs === undefined
          ? { redis, memory }
          : { redis, memory, targetMs, targetMet: redis.medianMs <= targetMs };
    }
    const heap = {
      counter: {
        redis: inChild<HeapReading>('--heap', 'redis', 'counter', port),
        memory: inChild<HeapReading>('--heap', 'memory', 'counter', port),
      },
      histogram: {
        redis: inChild<HeapReading>('--heap', 'redis', 'histogram', port),
        memory: inChild<HeapReading>('--heap', 'memory', 'histogram', port),
      },
    };
    figures = {
      incMemoryNs: incMemory.ns,
      incRedisNs: incRedis.ns,
      incRatio,
      incTargetMet: incRatio <= 2,
      commandsPerMillionIncrements: commands.sent,
      scriptOperationsPerMillionIncrements: commands.inScripts,
      scrapes,
      heap,
      heapTargetMet: heap.counter.redis.heap + heap.counter.redis.arrayBuffers <= HEAP_TARGET,
      flushScripts: await flushScripts(server.port),
    };
    printFigures(figures);
    redisConfigForCases = redisConfig(server.port, 'bench-cases:');
    loadBackend({ backendClass: RedisBackend, backendConfig: redisConfigForCases });
  },
  // Stored as `extras` in results/redis.json.
  extras: () => (figures === undefined ? undefined : { ...figures }),
  after: async () => {
    await closeBackend().catch(() => {});
    loadBackend({ backendClass: MemoryBackend });
    await server?.stop();
  },
  cases: [
    {
      kind: 'timed',
      name: 'held child inc(), pytheus on Redis',
      setup: {
        pytheus: () => {
          const registry = new CollectorRegistry();
          const child = new Counter('requests_total', HELP, { registry, requiredLabels: ['route'] }).labels({
            route: '/users',
          });
          return { op: () => child.inc(), check: () => pytheusTotal(registry) };
        },
        'prom-client': () => {
          const counter = new PromCounter({
            name: 'requests_total',
            help: HELP,
            labelNames: ['route'],
            registers: [new PromRegistry()],
          });
          const child = counter.labels({ route: '/users' });
          return { op: () => child.inc(), check: () => anchorTotal(counter) };
        },
        '@prometheus-io/client': () => {
          const counter = new PioCounter({
            name: 'requests_total',
            help: HELP,
            labelNames: ['route'],
            registers: [new PioRegistry()],
          });
          const child = counter.labels({ route: '/users' });
          return { op: () => child.inc(), check: () => anchorTotal(counter) };
        },
      },
    },
    {
      kind: 'timed',
      name: `scrape ${HISTOGRAM_SERIES} histogram series, pytheus on Redis`,
      setup: {
        pytheus: async () => {
          const { registry, histogram } = histogramRegistry();
          for (let i = 0; i < HISTOGRAM_SERIES; i++)
            histogram.labels({ route: `/route/${i}` }).observe(LATENCIES[i & 1023]!);
          let length = 0;
          length = (await generateMetrics(registry)).length;
          return {
            op: async () => {
              length = (await generateMetrics(registry)).length;
            },
            check: () => length,
          };
        },
        'prom-client': () => anchorScrape(PromRegistry, PromHistogram),
        '@prometheus-io/client': () =>
          anchorScrape(
            PioRegistry as unknown as typeof PromRegistry,
            PioHistogram as unknown as typeof PromHistogram,
          ),
      },
    },
  ],
});

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [mode, ...args] = process.argv.slice(
    process.argv.findIndex((arg) => arg.startsWith('--') && arg !== '--'),
  );
  if (mode === '--inc') await incChildMain(args[0] as BackendName, Number(args[1]));
  else if (mode === '--scrape')
    await scrapeChildMain(args[0] as BackendName, args[1] as ScrapeName, Number(args[2]));
  else if (mode === '--heap')
    await heapChildMain(args[0] as BackendName, args[1] as 'counter' | 'histogram', Number(args[2]));
  else throw new Error('run this section with `pnpm bench redis`');
}
