// The Redis section: what the multi-process backend costs. In one run it reports
// - the cost of inc() on a held child under the Redis backend against the memory backend (target: within 2x),
//   each timed in a process of its own that loads only that backend, as an application does;
// - the Redis commands sent for 1,000,000 increments of one series (from INFO commandstats);
// - the time to scrape 1000 histogram series through Redis, as a timed case against the anchors (which scrape
//   from memory), and a held child's inc() on Redis against the anchors' inc().
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
import { Counter as PromCounter, Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';
import { measure, type Timing } from '../lib/measure.js';
import { anchorTotal, pytheusTotal } from '../lib/readback.js';
import { defineSection } from '../lib/section.js';
import { BUCKETS, LATENCIES } from '../lib/workload.js';

const TITLE =
  'Redis backend: inc() against memory, commands per 1M increments, scrape of 1000 histogram series';
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
 * Times inc() in a process of its own that loads only one backend, as an application does: with both backends in
 * one process the call site inside Counter.inc() would see two classes and be slower for both.
 */
function incTimingInChild(backend: 'memory' | 'redis', port: number): Timing {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--inc', backend, String(port)];
  const output = execFileSync(process.execPath, args, { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1)!) as Timing;
}

async function incChildMain(backend: string, port: number): Promise<void> {
  if (backend === 'redis') {
    loadBackend({ backendClass: RedisBackend, backendConfig: redisConfig(port, 'bench-inc:') });
  } else {
    loadBackend({ backendClass: MemoryBackend });
  }
  const timing = await incTiming();
  await closeBackend();
  process.stdout.write(`${JSON.stringify(timing)}\n`);
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

export interface RedisFigures {
  incMemoryNs: number;
  incRedisNs: number;
  /** inc() under Redis divided by inc() in memory; the target is at most 2. */
  incRatio: number;
  incTargetMet: boolean;
  commandsPerMillionIncrements: number;
  /** Redis operations run inside those commands' scripts (HGET, HSET, EXPIRE...). */
  scriptOperationsPerMillionIncrements: number;
}

function printFigures(figures: RedisFigures): void {
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

function histogramRegistry(): { registry: CollectorRegistry; histogram: Histogram<'route'> } {
  const registry = new CollectorRegistry();
  const histogram = new Histogram('request_duration_seconds', 'Request latency', {
    registry,
    requiredLabels: ['route'],
    buckets: BUCKETS,
  });
  return { registry, histogram };
}

export default defineSection({
  name: 'redis',
  title:
    'pytheus on the Redis backend (anchors in memory): held child inc() and a scrape of 1000 histogram series',
  before: async () => {
    server = await startRedis();
    const incMemory = incTimingInChild('memory', server.port);
    const incRedis = incTimingInChild('redis', server.port);
    const commands = await commandsPerMillion(server.port);
    const incRatio = incRedis.ns / incMemory.ns;
    figures = {
      incMemoryNs: incMemory.ns,
      incRedisNs: incRedis.ns,
      incRatio,
      incTargetMet: incRatio <= 2,
      commandsPerMillionIncrements: commands.sent,
      scriptOperationsPerMillionIncrements: commands.inScripts,
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
  const inc = process.argv.indexOf('--inc');
  if (inc < 0) throw new Error('run this section with `pnpm bench redis`');
  await incChildMain(process.argv[inc + 1]!, Number(process.argv[inc + 2]));
}
