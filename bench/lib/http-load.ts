// Throughput of hello-world servers under load, for the adapter sections (express, hono): a bare app and the same
// app with each middleware compared, in requests per second over loopback and server CPU time per request. Each
// variant runs in a process of its own pinned to one core, wrk runs pinned to the other, and the variants are
// loaded in turn, round after round, so that a disturbance of the shared machine hits all alike. Costs are paired
// figures: the median over rounds of each round's ratio to the bare app loaded next to it.
//
// Needs wrk (Debian: apt-get install wrk) and taskset (util-linux).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LoadOptions<Variant extends string> {
  /** The section's name, for messages and its environment variables (`BENCH_<NAME>_ROUNDS`, `_SECONDS`). */
  section: string;
  /** The variants; the first is the bare app that the others are compared with. */
  variants: readonly Variant[];
  /** The section's file, started as `<script> --serve <variant>` (see {@link serveVariant}). */
  script: string;
  /** The path wrk requests. */
  path: string;
  /** The variant whose cost has a target, and the target (a share of the bare app's throughput). */
  measured: Variant;
  targetCost: number;
}

export interface LoadFigures {
  rounds: number;
  secondsPerRun: number;
  connections: number;
  serverCore: string;
  loadCore: string;
  /** Per variant: the requests per second of each round, and their median. */
  requestsPerSecond: Record<string, { rounds: number[]; median: number }>;
  /** Per variant: the server's CPU time per request in microseconds, each round and the median. */
  cpuMicrosPerRequest: Record<string, { rounds: number[]; median: number }>;
  /** What each middleware adds to the bare app's CPU time per request: the paired median of its / bare's - 1. */
  cpuOverhead: Record<string, number>;
  /** Share of the bare app's throughput that each middleware costs: 1 - the paired median of its / bare's. */
  cost: Record<string, number>;
  /**
   * A 95% interval of each cost, by bootstrap over the rounds (resampling rounds with replacement, the median of
   * each resample): how far the figure could move on another run of this machine.
   */
  costInterval: Record<string, [number, number]>;
  targetCost: number;
  targetMet: boolean;
}

const CONNECTIONS = 50;

// Server processes on the last core, the load on the first (on a 1-core machine both share it).
const cores = os.cpus().length;
const SERVER_CORE = String(cores - 1);
const LOAD_CORE = '0';

function need(section: string, command: string, args: string[], hint: string): void {
  // Only a missing program counts: `wrk --version` exits with 1.
  if (spawnSync(command, args, { stdio: 'ignore' }).error !== undefined) {
    throw new Error(`the ${section} section needs ${command} (${hint})`);
  }
}

interface Running {
  variant: string;
  port: number;
  child: ChildProcess;
}

function startServer(script: string, variant: string): Promise<Running> {
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

/** Loads the server with wrk for `seconds`: its requests per second and the server's CPU per request. */
function load(server: Running, target: string, seconds: number): Run {
  const before = cpuSeconds(server.child.pid!);
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
      `http://127.0.0.1:${server.port}${target}`,
    ],
    { encoding: 'utf8' },
  );
  const cpu = cpuSeconds(server.child.pid!) - before;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (rps === null || total === null) throw new Error(`wrk printed no figures:\n${output}`);
  if (/Non-2xx or 3xx responses/.test(output)) throw new Error(`wrk saw errors:\n${output}`);
  return { requestsPerSecond: Number(rps[1]), cpuMicros: (cpu * 1e6) / Number(total[1]) };
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

// A fixed-seed generator (mulberry32), so that a bootstrap over the same rounds gives the same interval.
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The 2.5th and 97.5th percentiles of the median of `values`, by 2000 bootstrap resamples. */
export function medianInterval(values: readonly number[]): [number, number] {
  const random = seeded(0x5eed);
  const medians: number[] = [];
  const sample = new Array<number>(values.length);
  for (let i = 0; i < 2000; i++) {
    for (let j = 0; j < values.length; j++) sample[j] = values[Math.floor(random() * values.length)]!;
    medians.push(median(sample));
  }
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(medians.length * 0.025)]!, medians[Math.ceil(medians.length * 0.975) - 1]!];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// Each round's figure of a variant divided by the reference's in the same round.
function ratios(values: readonly number[], base: readonly number[]): number[] {
  return values.map((value, round) => value / base[round]!);
}

function costOf(values: readonly number[], base: readonly number[]): number {
  return 1 - median(ratios(values, base));
}

function costIntervalOf(values: readonly number[], base: readonly number[]): [number, number] {
  const [low, high] = medianInterval(ratios(values, base));
  return [1 - high, 1 - low];
}

const roundsOf = (figures: LoadFigures, variant: string) => figures.requestsPerSecond[variant]!.rounds;

/**
 * The paired cost of `variant` against `reference` (another variant than bare): 1 - the median over rounds of its
 * requests per second / the reference's in the same round.
 */
export function pairedCost(figures: LoadFigures, variant: string, reference: string): number {
  return costOf(roundsOf(figures, variant), roundsOf(figures, reference));
}

/** The 95% bootstrap interval of {@link pairedCost}. */
export function pairedCostInterval(
  figures: LoadFigures,
  variant: string,
  reference: string,
): [number, number] {
  return costIntervalOf(roundsOf(figures, variant), roundsOf(figures, reference));
}

/**
 * Prints each of `variants`' cost against `reference` (the empty middleware: what the metrics themselves cost),
 * with its interval, and returns the costs.
 */
export function printCostOver(
  figures: LoadFigures,
  reference: string,
  variants: readonly string[],
): Record<string, number> {
  const costs = Object.fromEntries(
    variants.map((variant) => [variant, pairedCost(figures, variant, reference)]),
  );
  const texts = variants.map(
    (variant) => `${variant} ${costText(costs[variant]!, pairedCostInterval(figures, variant, reference))}`,
  );
  console.log(`against the ${reference} (what the metrics themselves cost): ${texts.join(', ')}`);
  return costs;
}

/** A cost and its interval as printed: `4.2% (95% interval 1.0% to 6.3%)`. */
function costText(cost: number, interval: readonly [number, number]): string {
  return `${percent(cost)} (95% interval ${percent(interval[0])} to ${percent(interval[1])})`;
}

/** Starts every variant's server, loads them in alternating rounds, and returns the figures. */
export async function measureLoad<Variant extends string>(
  options: LoadOptions<Variant>,
): Promise<LoadFigures> {
  const { section, variants, script, path: target } = options;
  const prefix = `BENCH_${section.toUpperCase()}`;
  const rounds = Number(process.env[`${prefix}_ROUNDS`] ?? 16);
  const seconds = Number(process.env[`${prefix}_SECONDS`] ?? 2);
  need(section, 'wrk', ['--version'], 'Debian: apt-get install wrk');
  need(section, 'taskset', ['-c', '0', 'true'], 'util-linux');
  const servers = await Promise.all(variants.map((variant) => startServer(script, variant)));
  try {
    // Warm-up: every app's code is optimized before any round counts.
    for (const server of servers) load(server, target, 2);
    const runs: Record<string, Run[]> = Object.fromEntries(variants.map((variant) => [variant, []]));
    for (let round = 0; round < rounds; round++) {
      // A different app goes first in each round.
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(round + i) % servers.length]!;
        runs[server.variant]!.push(load(server, target, seconds));
      }
      process.stderr.write(`  round ${round + 1}/${rounds} done\n`);
    }
    const summary = (figure: keyof Run) =>
      Object.fromEntries(
        variants.map((variant) => {
          const values = runs[variant]!.map((run) => run[figure]);
          return [variant, { rounds: values, median: median(values) }];
        }),
      );
    const requestsPerSecond = summary('requestsPerSecond');
    const cpuMicrosPerRequest = summary('cpuMicros');
    const bare = variants[0]!;
    // Paired figures: each round compares apps loaded one right after the other, so that a slow patch of the
    // shared machine, which lasts longer than a run, cancels out; the median round is the figure.
    const others = variants.slice(1);
    const perVariant = <T>(figure: (variant: string) => T) =>
      Object.fromEntries(others.map((variant) => [variant, figure(variant)]));
    const rps = (variant: string) => requestsPerSecond[variant]!.rounds;
    const cpu = (variant: string) => cpuMicrosPerRequest[variant]!.rounds;
    const cost = perVariant((variant) => costOf(rps(variant), rps(bare)));
    return {
      rounds,
      secondsPerRun: seconds,
      connections: CONNECTIONS,
      serverCore: SERVER_CORE,
      loadCore: LOAD_CORE,
      requestsPerSecond,
      cost,
      costInterval: perVariant((variant) => costIntervalOf(rps(variant), rps(bare))),
      cpuMicrosPerRequest,
      cpuOverhead: perVariant((variant) => median(ratios(cpu(variant), cpu(bare))) - 1),
      targetCost: options.targetCost,
      targetMet: cost[options.measured]! < options.targetCost,
    };
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }
}

/** Prints the figures: requests/s per variant with its cost, then CPU time per request. */
export function printLoad(
  title: string,
  variants: readonly string[],
  measured: string,
  result: LoadFigures,
): void {
  console.log(
    `${title}: requests/s, median of ${result.rounds} rounds of ${result.secondsPerRun} s (wrk -c${result.connections}; server on core ${result.serverCore}, wrk on core ${result.loadCore}); cost: the median of each round's ratio to bare`,
  );
  for (const variant of variants) {
    const { median: value, rounds } = result.requestsPerSecond[variant]!;
    const cost = result.cost[variant];
    const interval = result.costInterval[variant];
    const straddles =
      interval !== undefined && interval[0] < result.targetCost && interval[1] >= result.targetCost;
    const note =
      cost === undefined || interval === undefined
        ? ''
        : `  costs ${costText(cost, interval)}${
            variant === measured
              ? `, target < ${result.targetCost * 100}% ${result.targetMet ? 'met' : 'MISSED'}${
                  straddles ? ' (the interval straddles the target)' : ''
                }`
              : ''
          }`;
    console.log(
      `${variant.padEnd(20)} ${value.toFixed(0).padStart(8)}${note}   rounds: ${rounds.map((r) => r.toFixed(0)).join(' ')}`,
    );
  }
  console.log('server CPU time per request (median; paired with bare as above)');
  for (const variant of variants) {
    const { median: value } = result.cpuMicrosPerRequest[variant]!;
    const overhead = result.cpuOverhead[variant];
    const sign = overhead !== undefined && overhead >= 0 ? '+' : '';
    const note = overhead === undefined ? '' : `  ${sign}${percent(overhead)} over bare`;
    console.log(`${variant.padEnd(20)} ${value.toFixed(1).padStart(8)} µs${note}`);
  }
}

/**
 * The server side of a section file started with `--serve <variant>`: starts `listen(variant)`, which prints
 * `PORT <port>` once it listens on 127.0.0.1. Returns false when the file was not started that way.
 */
export function serveVariant<Variant extends string>(
  script: string,
  variants: readonly Variant[],
  section: string,
  listen: (variant: Variant) => void,
): boolean {
  if (process.argv[1] === undefined || path.resolve(process.argv[1]) !== script) return false;
  const serve = process.argv.indexOf('--serve');
  if (serve < 0) throw new Error(`run this section with \`pnpm bench ${section}\``);
  const variant = process.argv[serve + 1] as Variant;
  if (!variants.includes(variant)) throw new Error(`unknown variant ${variant}`);
  listen(variant);
  return true;
}
