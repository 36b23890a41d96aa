// Throughput of hello-world servers under load, for the adapter sections (express, fastify, hono): a bare app and
// the same app with each middleware compared, over loopback, in trials of fresh server processes pinned to one
// core with wrk pinned to the other. Two figures per middleware: its requests per second when each app is loaded
// alone in turn (what a user's load test sees), and its CPU time per request when it shares the core with the
// bare app under load at the same time (the precise one: the machine's drift hits both alike). See
// measureLoad and bench/README.md.
//
// Needs wrk (Debian: apt-get install wrk) and taskset (util-linux).
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

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
  /**
   * Every variant of the section, where it measures in more than one call: the names `BENCH_<NAME>_VARIANTS`
   * may give. By default `variants`.
   */
  known?: readonly string[];
}

export interface LoadFigures {
  /** Fresh server processes per variant: each trial starts every variant anew. */
  trials: number;
  /** Rounds per trial, of each kind of load. */
  rounds: number;
  secondsPerRun: number;
  connections: number;
  serverCore: string;
  loadCore: string;
  /**
   * Per variant, alone on the core in turn: the requests per second of each round, grouped by trial, and their
   * median.
   */
  requestsPerSecond: Record<string, { trials: number[][]; median: number }>;
  /**
   * Share of the bare app's throughput that each middleware costs, from the rounds in turn: 1 - the median of its
   * requests per second / bare's in the same round.
   */
  cost: Record<string, number>;
  /**
   * Per variant, sharing the core with bare: bare's CPU time per request / the variant's in each round, grouped by
   * trial (a figure of 0.95 is a 5% cost).
   */
  sharedShares: Record<string, number[][]>;
  /** What each middleware costs when it shares the core with bare: 1 - the median of {@link sharedShares}. */
  sharedCost: Record<string, number>;
  /** Per cost (`cost` and `sharedCost`): a 95% interval by a two-level bootstrap over trials and their rounds. */
  costInterval: Record<string, [number, number]>;
  sharedCostInterval: Record<string, [number, number]>;
  /** Per variant, the server's CPU time per request in microseconds when alone on the core (median). */
  cpuMicrosPerRequest: Record<string, number>;
  targetCost: number;
  /** Whether the measured variant's cost is under the target by both figures; undefined when it was not run. */
  targetMet: boolean | undefined;
}

const CONNECTIONS = 50;

// Server processes on the last core, the load on the first (on a 1-core machine both share it).
const cores = os.cpus().length;
export const SERVER_CORE = String(cores - 1);
export const LOAD_CORE = '0';

/** Throws, saying that `who` needs `command` and how to get it, when `command` is not installed. */
export function need(who: string, command: string, args: string[], hint: string): void {
  // Only a missing program counts: `wrk --version` exits with 1.
  if (spawnSync(command, args, { stdio: 'ignore' }).error !== undefined) {
    throw new Error(`${who} needs ${command} (${hint})`);
  }
}

export interface Running {
  variant: string;
  port: number;
  child: ChildProcess;
}

/**
 * Starts `<script> --serve <variant>` on the server core, with Node's options `nodeArgs` (by default this
 * process's own), and resolves once it prints the port it listens on.
 */
export function startServer(
  script: string,
  variant: string,
  nodeArgs: readonly string[] = process.execArgv,
): Promise<Running> {
  const child = spawn(
    'taskset',
    ['-c', SERVER_CORE, process.execPath, ...nodeArgs, script, '--serve', variant],
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

export function stopServer(server: Running): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.child.removeAllListeners('exit');
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

// CPU time a process has run, in seconds: from /proc/<pid>/schedstat (nanoseconds) where the kernel keeps it, else
// from /proc/<pid>/stat (user + system, in clock ticks). A second figure per request, which other load on a shared
// machine disturbs less than throughput does.
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function cpuSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime): 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  }
}

export interface Run {
  /** The requests wrk completed. */
  requests: number;
  requestsPerSecond: number;
  /** Server CPU time per request, in microseconds. */
  cpuMicros: number;
}

/** Loads the server with wrk for `seconds`: its requests per second and the server's CPU per request. */
export async function load(
  server: Running,
  target: string,
  seconds: number,
  connections: number,
): Promise<Run> {
  const before = cpuSeconds(server.child.pid!);
  const { stdout: output } = await execFileAsync(
    'taskset',
    [
      '-c',
      LOAD_CORE,
      'wrk',
      '-t1',
      `-c${connections}`,
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
  const requests = Number(total[1]);
  return { requests, requestsPerSecond: Number(rps[1]), cpuMicros: (cpu * 1e6) / requests };
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

/**
 * The 2.5th and 97.5th percentiles of the median of all values of `groups`, by 2000 two-level bootstrap
 * resamples: trials drawn with replacement, then rounds within each drawn trial. Rounds of one trial share its
 * processes (and whatever luck of code layout they had), so the trials are what vary from run to run.
 */
export function medianInterval(groups: readonly (readonly number[])[]): [number, number] {
  const random = seeded(0x5eed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
  const medians: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const sample: number[] = [];
    for (let g = 0; g < groups.length; g++) {
      const group = pick(groups);
      for (let j = 0; j < group.length; j++) sample.push(pick(group));
    }
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

type Grouped = readonly (readonly number[])[];

// Each round's figure of a variant divided by the reference's in the same round, trial by trial.
function ratios(values: Grouped, base: Grouped): number[][] {
  return values.map((trial, t) => trial.map((value, round) => value / base[t]![round]!));
}

function costOf(shares: Grouped): number {
  return 1 - median(shares.flat());
}

function costIntervalOf(shares: Grouped): [number, number] {
  const [low, high] = medianInterval(shares);
  return [1 - high, 1 - low];
}

/** A cost by both figures, each with its 95% interval. */
export interface PairedCost {
  /** From the rounds in turn. */
  cost: number;
  interval: [number, number];
  /** From the rounds sharing the core with bare. */
  shared: number;
  sharedInterval: [number, number];
}

/**
 * The cost of `variant` against `reference` (another variant than bare), by both figures: from the rounds in
 * turn (its requests per second / the reference's in the same round) and from the rounds sharing the core with
 * bare (its share / the reference's share in the same round), each with its interval.
 */
export function pairedCost(figures: LoadFigures, variant: string, reference: string): PairedCost {
  const rps = (name: string) => figures.requestsPerSecond[name]!.trials;
  const alone = ratios(rps(variant), rps(reference));
  const shared = ratios(figures.sharedShares[variant]!, figures.sharedShares[reference]!);
  return {
    cost: costOf(alone),
    interval: costIntervalOf(alone),
    shared: costOf(shared),
    sharedInterval: costIntervalOf(shared),
  };
}

/**
 * Prints each of `variants`' cost against `reference` (the empty middleware: what the metrics themselves cost),
 * by both figures, and returns them.
 */
export function printCostOver(
  figures: LoadFigures,
  reference: string,
  variants: readonly string[],
): Record<string, PairedCost> {
  // Only the variants this run measured (`BENCH_<SECTION>_VARIANTS`), and none without the reference.
  const measured = (variant: string) => figures.requestsPerSecond[variant] !== undefined;
  if (!measured(reference)) return {};
  const shown = variants.filter(measured);
  const costs = Object.fromEntries(
    shown.map((variant) => [variant, pairedCost(figures, variant, reference)]),
  );
  console.log(`against the ${reference} (what the metrics themselves cost):`);
  const width = Math.max(20, ...shown.map((variant) => variant.length));
  for (const variant of shown) {
    const { cost, interval, shared, sharedInterval } = costs[variant]!;
    console.log(
      `  ${variant.padEnd(width)} sharing the core ${costText(shared, sharedInterval)}; in turn ${costText(cost, interval)}`,
    );
  }
  return costs;
}

/** A cost and its interval as printed: `4.2% (95% interval 1.0% to 6.3%)`. */
function costText(cost: number, interval: readonly [number, number]): string {
  return `${percent(cost)} (95% interval ${percent(interval[0])} to ${percent(interval[1])})`;
}

/**
 * The variants a run measures: all of them, or with `BENCH_<SECTION>_VARIANTS` set (names separated by
 * semicolons, as some names hold commas), the bare app and the variants it names, for a long run of a few of
 * them. A name the section does not have (`known`, by default `variants`) is an error.
 */
export function variantsToRun<Variant extends string>(
  section: string,
  variants: readonly Variant[],
  known: readonly string[] = variants,
): Variant[] {
  const name = `BENCH_${section.toUpperCase()}_VARIANTS`;
  const listed = process.env[name];
  if (listed === undefined || listed.trim() === '') return [...variants];
  const wanted = listed.split(';').map((variant) => variant.trim());
  const unknown = wanted.filter((variant) => !known.includes(variant));
  if (unknown.length > 0) {
    throw new Error(
      `${name} names ${unknown.map((variant) => JSON.stringify(variant)).join(', ')}; the ${section} section's variants are ${known.map((variant) => JSON.stringify(variant)).join(', ')}`,
    );
  }
  return variants.filter((variant, i) => i === 0 || wanted.includes(variant));
}

/**
 * Measures every variant in `trials` trials. Each trial starts a fresh server process per variant and warms them
 * up, then runs two kinds of rounds:
 * - in turn: each variant alone on the server core under wrk -c50, a different one first each round (requests
 *   per second, as a user's load test sees them);
 * - sharing the core: bare and one other variant at once, both on the server core, each under its own wrk -c25
 *   (the CPU time per request of both, measured over the same seconds, so that the machine's drift, which
 *   moves the figures in turn by ±15% from one round to the next here, hits both alike).
 * Fresh processes per trial matter as much: one process of an app can run a few percent faster or slower than
 * another of the same app for the whole of its life (how its code and heap were laid out), which more rounds
 * of the same processes never average away.
 */
export async function measureLoad<Variant extends string>(
  options: LoadOptions<Variant>,
): Promise<LoadFigures | undefined> {
  const { section, script, path: target } = options;
  const variants = variantsToRun(section, options.variants, options.known);
  // Nothing to compare bare with: `BENCH_<SECTION>_VARIANTS` names none of this call's variants.
  if (variants.length < 2) return undefined;
  const prefix = `BENCH_${section.toUpperCase()}`;
  const trials = Number(process.env[`${prefix}_TRIALS`] ?? 4);
  const rounds = Number(process.env[`${prefix}_ROUNDS`] ?? 3);
  const seconds = Number(process.env[`${prefix}_SECONDS`] ?? 2);
  need(`the ${section} section`, 'wrk', ['--version'], 'Debian: apt-get install wrk');
  need(`the ${section} section`, 'taskset', ['-c', '0', 'true'], 'util-linux');
  const bare = variants[0]!;
  const others = variants.slice(1);
  const alone: Record<string, Run[][]> = Object.fromEntries(variants.map((variant) => [variant, []]));
  const shared: Record<string, number[][]> = Object.fromEntries(variants.map((variant) => [variant, []]));
  for (let trial = 0; trial < trials; trial++) {
    // Started one after the other, in a different order each trial.
    const servers: Running[] = [];
    try {
      for (let i = 0; i < variants.length; i++) {
        servers.push(await startServer(script, variants[(trial + i) % variants.length]!));
      }
      const byVariant = (variant: string) => servers.find((server) => server.variant === variant)!;
      // Warm-up: every app's code is optimized before any round counts.
      for (const server of servers) await load(server, target, 2, CONNECTIONS);
      for (const variant of variants) alone[variant]!.push([]);
      for (const variant of variants) shared[variant]!.push([]);
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < variants.length; i++) {
          const variant = variants[(trial + round + i) % variants.length]!;
          alone[variant]!.at(-1)!.push(await load(byVariant(variant), target, seconds, CONNECTIONS));
        }
        shared[bare]!.at(-1)!.push(1);
        for (const variant of others) {
          const [base, run] = await Promise.all([
            load(byVariant(bare), target, seconds, CONNECTIONS / 2),
            load(byVariant(variant), target, seconds, CONNECTIONS / 2),
          ]);
          shared[variant]!.at(-1)!.push(base.cpuMicros / run.cpuMicros);
        }
      }
    } finally {
      await Promise.all(servers.map(stopServer));
    }
    process.stderr.write(`  trial ${trial + 1}/${trials} done\n`);
  }
  const rps = (variant: string) => alone[variant]!.map((runs) => runs.map((run) => run.requestsPerSecond));
  const perVariant = <T>(names: readonly string[], figure: (variant: string) => T) =>
    Object.fromEntries(names.map((variant) => [variant, figure(variant)]));
  const aloneShares = (variant: string) => ratios(rps(variant), rps(bare));
  const cost = perVariant(others, (variant) => costOf(aloneShares(variant)));
  const sharedCost = perVariant(others, (variant) => costOf(shared[variant]!));
  return {
    trials,
    rounds,
    secondsPerRun: seconds,
    connections: CONNECTIONS,
    serverCore: SERVER_CORE,
    loadCore: LOAD_CORE,
    requestsPerSecond: perVariant(variants, (variant) => ({
      trials: rps(variant),
      median: median(rps(variant).flat()),
    })),
    cost,
    costInterval: perVariant(others, (variant) => costIntervalOf(aloneShares(variant))),
    sharedShares: shared,
    sharedCost,
    sharedCostInterval: perVariant(others, (variant) => costIntervalOf(shared[variant]!)),
    cpuMicrosPerRequest: perVariant(variants, (variant) =>
      median(alone[variant]!.flat().map((run) => run.cpuMicros)),
    ),
    targetCost: options.targetCost,
    targetMet: variants.includes(options.measured)
      ? cost[options.measured]! < options.targetCost && sharedCost[options.measured]! < options.targetCost
      : undefined,
  };
}

/** Prints the figures: per variant its requests/s alone, and its cost by both figures. */
export function printLoad(
  title: string,
  variants: readonly string[],
  measured: string,
  result: LoadFigures,
): void {
  console.log(
    `${title}: ${result.trials} trials of fresh server processes, each with ${result.rounds} rounds of ${result.secondsPerRun} s of both kinds (server on core ${result.serverCore}, wrk on core ${result.loadCore})`,
  );
  console.log(
    `  in turn: each app alone under wrk -c${result.connections}, requests/s; cost: 1 - the median of each round's ratio to bare`,
  );
  console.log(
    `  sharing the core: bare and the app at once, wrk -c${result.connections / 2} each; cost: 1 - the median of bare's CPU time per request / the app's`,
  );
  const target = result.targetCost;
  const straddles = (interval: readonly [number, number]) => interval[0] < target && interval[1] >= target;
  // Names padded to the longest, figures indented past them.
  const width = Math.max(20, ...variants.map((variant) => variant.length));
  const indent = ''.padEnd(width + 1);
  for (const variant of variants) {
    // Left out of this run (`BENCH_<SECTION>_VARIANTS`).
    if (result.requestsPerSecond[variant] === undefined) continue;
    const { median: value } = result.requestsPerSecond[variant]!;
    const cpu = result.cpuMicrosPerRequest[variant]!;
    const head = `${variant.padEnd(width)} ${value.toFixed(0).padStart(8)} requests/s, ${cpu.toFixed(1)} µs CPU each`;
    const cost = result.cost[variant];
    if (cost === undefined) {
      console.log(head);
      continue;
    }
    const interval = result.costInterval[variant]!;
    const sharedInterval = result.sharedCostInterval[variant]!;
    console.log(head);
    console.log(
      `${indent}costs ${costText(result.sharedCost[variant]!, sharedInterval)} sharing the core, ${costText(cost, interval)} in turn`,
    );
    if (variant === measured) {
      const undecided = straddles(sharedInterval) || straddles(interval);
      console.log(
        `${indent}target < ${target * 100}% by both figures: ${result.targetMet ? 'met' : 'MISSED'}${
          undecided ? ' (an interval straddles the target)' : ''
        }`,
      );
    }
  }
}

// The floor variants of the express and fastify sections: what any request metrics middleware must do to each
// response, apart from recording anything. Both frameworks hand over Node's ServerResponse (`res`, `reply.raw`).
const ignore = () => {};
// Read by nobody: it keeps the timing floor's clock reads from being optimized away.
const timed = { seconds: 0 };

/**
 * `close listener`: one listener (a function shared by all requests) for the response's `close`, the one event
 * that comes for finished and for abandoned responses alike: how a middleware learns that a response is done.
 */
export function listenForEnd(res: ServerResponse): void {
  res.on('close', ignore);
}

/**
 * `timing floor`: the least that timing a request takes: a clock read now, and one in the response's own close
 * listener (a closure per request).
 */
export function timeToEnd(res: ServerResponse): void {
  const start = performance.now();
  res.on('close', () => {
    timed.seconds += (performance.now() - start) / 1000;
  });
}

/**
 * `timing floor, sync`: the least that timing a request takes when the handler answers before `next()` returns
 * (Express with a synchronous handler): a clock read before the rest of the chain runs and one after it, and
 * no listener. What @pytheus/express does for such a request, less recording it.
 */
export function timeAround(next: () => void): void {
  const start = performance.now();
  next();
  timed.seconds += (performance.now() - start) / 1000;
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
