// The Express section: what request metrics cost a hello-world Express 5 app, `GET /users/:id`, in requests per
// second over loopback, for the app without middleware, with @pytheus/express and with express-prom-bundle (the
// adapter users know), measured in the same run. Each app runs in a process of its own pinned to one core, wrk
// runs pinned to the other, and the three are loaded in turn, round after round, so that a disturbance of the
// shared machine hits all three alike; each app's figure is its median round. Target: pytheus costs under 5% of
// the bare app's throughput.
//
// Needs wrk (Debian: apt-get install wrk) and taskset (util-linux). The timed case below is the per-request
// bookkeeping alone, in this process: pytheus' HTTP layer start/finish against the same work done by hand with
// each anchor (a histogram observation with three labels, and an in-flight gauge up and down).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gauge as PioGauge, Histogram as PioHistogram, Registry as PioRegistry } from '@prometheus-io/client';
import { CollectorRegistry } from '@pytheus/core';
import { createHttpMetrics } from '@pytheus/core/http';
import { metrics } from '@pytheus/express';
import express from 'express';
import promBundle from 'express-prom-bundle';
import { Gauge as PromGauge, Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';
import { pytheusTotal } from '../lib/readback.js';
import { defineSection } from '../lib/section.js';
import { BUCKETS, LATENCIES } from '../lib/workload.js';

const VARIANTS = ['bare', 'pytheus', 'express-prom-bundle'] as const;
type Variant = (typeof VARIANTS)[number];

const ROUNDS = Number(process.env.BENCH_EXPRESS_ROUNDS ?? 16);
const SECONDS = Number(process.env.BENCH_EXPRESS_SECONDS ?? 2);
const CONNECTIONS = 50;
const TARGET_COST = 0.05;

/** The app each server process runs. */
function app(variant: Variant): express.Express {
  const app = express();
  if (variant === 'pytheus') app.use(metrics());
  // Labels like ours: method, path (its route template) and status.
  if (variant === 'express-prom-bundle') app.use(promBundle({ includeMethod: true, includePath: true }));
  app.get('/users/:id', (req, res) => {
    res.send(`hello ${req.params.id}`);
  });
  return app;
}

function need(command: string, args: string[], hint: string): void {
  // Only a missing program counts: `wrk --version` exits with 1.
  if (spawnSync(command, args, { stdio: 'ignore' }).error !== undefined) {
    throw new Error(`the express section needs ${command} (${hint})`);
  }
}

interface Running {
  variant: Variant;
  port: number;
  child: ChildProcess;
}

// Server processes on the last core, the load on the first (on a 1-core machine both share it).
const cores = os.cpus().length;
const SERVER_CORE = String(cores - 1);
const LOAD_CORE = '0';

function startServer(variant: Variant): Promise<Running> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    'taskset',
    ['-c', SERVER_CORE, process.execPath, ...process.execArgv, script, '--serve', variant],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.startsWith('PORT '));
      if (line !== undefined) resolve({ variant, port: Number(line.slice(5)), child });
    });
    child.once('exit', (code) => reject(new Error(`${variant} server exited with ${code}`)));
  });
}

// CPU time (user + system) a process has used, in seconds, from /proc: a second figure per request that other
// load on a shared machine disturbs less than throughput does.
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5) (utime, stime): 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

interface Run {
  requestsPerSecond: number;
  /** Server CPU time per request, in microseconds. */
  cpuMicros: number;
}

/** Loads the server on `port` with wrk for `seconds`: its requests per second and the server's CPU per request. */
function load(server: Running, seconds: number): Run {
  const before = cpuSeconds(server.child.pid!);
  const output = wrkOutput(server.port, seconds);
  const cpu = cpuSeconds(server.child.pid!) - before;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (rps === null || total === null) throw new Error(`wrk printed no figures:\n${output}`);
  if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`wrk saw errors:\n${output}`);
  return { requestsPerSecond: Number(rps[1]), cpuMicros: (cpu * 1e6) / Number(total[1]) };
}

function wrkOutput(port: number, seconds: number): string {
  const output = execFileSync(
    'taskset',
    [
      '-c',
      LOAD_CORE,
      'wrk',
      '-t1',
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      '--latency',
      `http://127.0.0.1:${port}/users/42`,
    ],
    { encoding: 'utf8' },
  );
  return output;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface ExpressFigures {
  rounds: number;
  secondsPerRun: number;
  connections: number;
  serverCore: string;
  loadCore: string;
  /** Per variant: the requests per second of each round, and their median. */
  requestsPerSecond: Record<Variant, { rounds: number[]; median: number }>;
  /** Per variant: the server's CPU time per request in microseconds, each round and the median. */
  cpuMicrosPerRequest: Record<Variant, { rounds: number[]; median: number }>;
  /** What the middleware adds to the bare app's CPU time per request: the median over rounds of its / bare's - 1. */
  cpuOverhead: { pytheus: number; 'express-prom-bundle': number };
  /** Share of the bare app's throughput that the middleware costs: 1 - the median over rounds of its / bare's. */
  cost: { pytheus: number; 'express-prom-bundle': number };
  targetCost: number;
  targetMet: boolean;
}

let figures: ExpressFigures | undefined;

async function measureThroughput(): Promise<ExpressFigures> {
  need('wrk', ['--version'], 'Debian: apt-get install wrk');
  need('taskset', ['-c', '0', 'true'], 'util-linux');
  const servers = await Promise.all(VARIANTS.map(startServer));
  try {
    // Warm-up: every app's code is optimized before any round counts.
    for (const server of servers) load(server, 2);
    const runs: Record<Variant, Run[]> = { bare: [], pytheus: [], 'express-prom-bundle': [] };
    for (let round = 0; round < ROUNDS; round++) {
      // A different app goes first in each round.
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(round + i) % servers.length]!;
        runs[server.variant].push(load(server, SECONDS));
      }
      process.stderr.write(`  round ${round + 1}/${ROUNDS} done\n`);
    }
    const summary = (figure: keyof Run) =>
      Object.fromEntries(
        VARIANTS.map((variant) => {
          const rounds = runs[variant].map((run) => run[figure]);
          return [variant, { rounds, median: median(rounds) }];
        }),
      ) as Record<Variant, { rounds: number[]; median: number }>;
    const requestsPerSecond = summary('requestsPerSecond');
    const cpuMicrosPerRequest = summary('cpuMicros');
    // Paired figures: each round compares apps loaded one right after the other, so that a slow patch of the
    // shared machine, which lasts longer than a run, cancels out; the median round is the figure.
    const paired = (variant: Exclude<Variant, 'bare'>, figure: keyof Run) =>
      median(runs[variant].map((run, round) => run[figure] / runs.bare[round]![figure]));
    const cost = {
      pytheus: 1 - paired('pytheus', 'requestsPerSecond'),
      'express-prom-bundle': 1 - paired('express-prom-bundle', 'requestsPerSecond'),
    };
    const cpuOverhead = {
      pytheus: paired('pytheus', 'cpuMicros') - 1,
      'express-prom-bundle': paired('express-prom-bundle', 'cpuMicros') - 1,
    };
    return {
      rounds: ROUNDS,
      secondsPerRun: SECONDS,
      connections: CONNECTIONS,
      serverCore: SERVER_CORE,
      loadCore: LOAD_CORE,
      requestsPerSecond,
      cost,
      cpuMicrosPerRequest,
      cpuOverhead,
      targetCost: TARGET_COST,
      targetMet: cost.pytheus < TARGET_COST,
    };
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }
}

function printFigures(result: ExpressFigures): void {
  console.log(
    `Express 5 hello world, GET /users/:id: requests/s, median of ${result.rounds} rounds of ${result.secondsPerRun} s (wrk -c${result.connections}; server on core ${result.serverCore}, wrk on core ${result.loadCore}); cost: the median of each round's ratio to bare`,
  );
  for (const variant of VARIANTS) {
    const { median: value, rounds } = result.requestsPerSecond[variant];
    const cost = variant === 'bare' ? undefined : result.cost[variant];
    const note =
      cost === undefined
        ? ''
        : `  costs ${(cost * 100).toFixed(1)}%${
            variant === 'pytheus'
              ? `, target < ${result.targetCost * 100}% ${result.targetMet ? 'met' : 'MISSED'}`
              : ''
          }`;
    console.log(
      `${variant.padEnd(20)} ${value.toFixed(0).padStart(8)}${note}   rounds: ${rounds.map((r) => r.toFixed(0)).join(' ')}`,
    );
  }
  console.log('server CPU time per request (median; paired with bare as above)');
  for (const variant of VARIANTS) {
    const { median: value } = result.cpuMicrosPerRequest[variant];
    const note = variant === 'bare' ? '' : `  +${(result.cpuOverhead[variant] * 100).toFixed(1)}% over bare`;
    console.log(`${variant.padEnd(20)} ${value.toFixed(1).padStart(8)} µs${note}`);
  }
}

// The per-request bookkeeping, done by hand with an anchor: what a middleware on it does for each request.
function anchorBookkeeping(
  Registry: typeof PromRegistry,
  HistogramClass: typeof PromHistogram,
  GaugeClass: typeof PromGauge,
) {
  const registers = [new Registry()];
  const duration = new HistogramClass({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS,
    registers,
  });
  const inFlight = new GaugeClass({
    name: 'http_requests_in_flight',
    help: 'In flight.',
    labelNames: ['method'],
    registers,
  });
  let i = 0;
  let observed = 0;
  return {
    op: () => {
      inFlight.labels({ method: 'GET' }).inc();
      const start = performance.now();
      inFlight.labels({ method: 'GET' }).dec();
      duration
        .labels({ method: 'GET', route: '/users/:id', status_code: '200' })
        .observe((performance.now() - start) / 1000 + LATENCIES[i++ & 1023]!);
      observed++;
    },
    check: () => observed,
  };
}

export default defineSection({
  name: 'express',
  title: 'Per-request bookkeeping of HTTP metrics (start and finish of one request), in this process',
  before: async () => {
    figures = await measureThroughput();
    printFigures(figures);
  },
  extras: () => (figures === undefined ? undefined : { ...figures }),
  cases: [
    {
      kind: 'timed',
      name: 'one request: in-flight up and down, duration observed with method, route, status',
      setup: {
        pytheus: () => {
          const registry = new CollectorRegistry();
          const http = createHttpMetrics({ registry, buckets: BUCKETS });
          const outcome = { route: '/users/:id', statusCode: 200 };
          return {
            op: () => http.start('GET', null, null).finish(outcome),
            check: () => pytheusTotal(registry),
          };
        },
        'prom-client': () => anchorBookkeeping(PromRegistry, PromHistogram, PromGauge),
        '@prometheus-io/client': () =>
          anchorBookkeeping(
            PioRegistry as unknown as typeof PromRegistry,
            PioHistogram as unknown as typeof PromHistogram,
            PioGauge as unknown as typeof PromGauge,
          ),
      },
    },
  ],
});

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const serve = process.argv.indexOf('--serve');
  if (serve < 0) throw new Error('run this section with `pnpm bench express`');
  const variant = process.argv[serve + 1] as Variant;
  if (!VARIANTS.includes(variant)) throw new Error(`unknown variant ${variant}`);
  const server = app(variant).listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT ${(server.address() as { port: number }).port}\n`);
  });
}
