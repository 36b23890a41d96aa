// What request metrics cost a hello-world app, `GET /users/42`, in requests per second over loopback: the app
// without metrics ('bare') against the same app with each middleware or plugin, measured in the same run. Each
// app runs in a process of its own pinned to one core, wrk runs pinned to the other, and the apps are loaded in
// turn, round after round, so that a disturbance of the shared machine hits all of them alike. The adapter
// sections (express, fastify, ...) share this harness; each names its variants and how a server process starts.
//
// Needs wrk (Debian: apt-get install wrk) and taskset (util-linux).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Section } from './section.js';

const CONNECTIONS = 50;
const TARGET_COST = 0.05;

function need(section: string, command: string, args: string[], hint: string): void {
  // Only a missing program counts: `wrk --version` exits with 1.
  if (spawnSync(command, args, { stdio: 'ignore' }).error !== undefined) {
    throw new Error(`the ${section} section needs ${command} (${hint})`);
  }
}

interface Running<Variant extends string> {
  variant: Variant;
  port: number;
  child: ChildProcess;
}

// Server processes on the last core, the load on the first (on a 1-core machine both share it).
const cores = os.cpus().length;
const SERVER_CORE = String(cores - 1);
const LOAD_CORE = '0';

function startServer<Variant extends string>(script: string, variant: Variant): Promise<Running<Variant>> {
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
function load(server: Running<string>, seconds: number): Run {
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
      `http://127.0.0.1:${server.port}/users/42`,
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The figures of one run of {@link measureThroughput}; `Variant` includes 'bare'. */
export interface ThroughputFigures<Variant extends string> {
  rounds: number;
  secondsPerRun: number;
  connections: number;
  serverCore: string;
  loadCore: string;
  /** Per variant: the requests per second of each round, and their median. */
  requestsPerSecond: Record<Variant, { rounds: number[]; median: number }>;
  /** Per variant: the server's CPU time per request in microseconds, each round and the median. */
  cpuMicrosPerRequest: Record<Variant, { rounds: number[]; median: number }>;
  /** What each variant adds to the bare app's CPU time per request: the median over rounds of its / bare's - 1. */
  cpuOverhead: Record<Exclude<Variant, 'bare'>, number>;
  /** Share of the bare app's throughput that each variant costs: 1 - the median over rounds of its / bare's. */
  cost: Record<Exclude<Variant, 'bare'>, number>;
  /** The target on pytheus' cost, and whether it was met. */
  targetCost: number;
  targetMet: boolean;
}

export interface ThroughputPlan<Variant extends string> {
  /** The section's name, for messages. */
  section: string;
  /** The section file (`import.meta.url`): started again with `--serve <variant>` for each server process. */
  script: string;
  /** 'bare' first, then 'pytheus', then the anchors. */
  variants: readonly Variant[];
  rounds: number;
  seconds: number;
}

/**
 * Starts a server process per variant and loads them in turn, `rounds` times for `seconds` each, a different
 * variant first in each round. Costs are paired figures: each round compares apps loaded one right after the
 * other, so that a slow patch of the shared machine, which lasts longer than a run, cancels out; the median
 * round is the figure.
 */
export async function measureThroughput<Variant extends string>(
  plan: ThroughputPlan<Variant>,
): Promise<ThroughputFigures<Variant>> {
  need(plan.section, 'wrk', ['--version'], 'Debian: apt-get install wrk');
  need(plan.section, 'taskset', ['-c', '0', 'true'], 'util-linux');
  const script = fileURLToPath(plan.script);
  const servers = await Promise.all(plan.variants.map((variant) => startServer(script, variant)));
  try {
    // Warm-up: every app's code is optimized before any round counts.
    for (const server of servers) load(server, 2);
    const runs = Object.fromEntries(plan.variants.map((variant) => [variant, [] as Run[]])) as Record<
      Variant,
      Run[]
    >;
    for (let round = 0; round < plan.rounds; round++) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(round + i) % servers.length]!;
        runs[server.variant].push(load(server, plan.seconds));
      }
      process.stderr.write(`  round ${round + 1}/${plan.rounds} done\n`);
    }
    const summary = (figure: keyof Run) =>
      Object.fromEntries(
        plan.variants.map((variant) => {
          const rounds = runs[variant].map((run) => run[figure]);
          return [variant, { rounds, median: median(rounds) }];
        }),
      ) as Record<Variant, { rounds: number[]; median: number }>;
    const bare = runs['bare' as Variant];
    const paired = (variant: Variant, figure: keyof Run) =>
      median(runs[variant].map((run, round) => run[figure] / bare[round]![figure]));
    const others = plan.variants.filter((variant) => variant !== 'bare') as Exclude<Variant, 'bare'>[];
    const cost = Object.fromEntries(
      others.map((variant) => [variant, 1 - paired(variant, 'requestsPerSecond')]),
    ) as Record<Exclude<Variant, 'bare'>, number>;
    const cpuOverhead = Object.fromEntries(
      others.map((variant) => [variant, paired(variant, 'cpuMicros') - 1]),
    ) as Record<Exclude<Variant, 'bare'>, number>;
    const pytheusCost = (cost as Record<string, number>).pytheus!;
    return {
      rounds: plan.rounds,
      secondsPerRun: plan.seconds,
      connections: CONNECTIONS,
      serverCore: SERVER_CORE,
      loadCore: LOAD_CORE,
      requestsPerSecond: summary('requestsPerSecond'),
      cpuMicrosPerRequest: summary('cpuMicros'),
      cost,
      cpuOverhead,
      targetCost: TARGET_COST,
      targetMet: pytheusCost < TARGET_COST,
    };
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }
}

/** Prints the figures: requests per second and cost per variant, then the server's CPU time per request. */
export function printThroughput<Variant extends string>(
  app: string,
  variants: readonly Variant[],
  result: ThroughputFigures<Variant>,
): void {
  console.log(
    `${app} hello world, GET /users/:id: requests/s, median of ${result.rounds} rounds of ${result.secondsPerRun} s (wrk -c${result.connections}; server on core ${result.serverCore}, wrk on core ${result.loadCore}); cost: the median of each round's ratio to bare`,
  );
  const width = Math.max(20, ...variants.map((variant) => variant.length + 1));
  for (const variant of variants) {
    const { median: value, rounds } = result.requestsPerSecond[variant];
    const cost = variant === 'bare' ? undefined : result.cost[variant as Exclude<Variant, 'bare'>];
    const note =
      cost === undefined
        ? ''
        : `  costs ${(cost * 100).toFixed(1)}%${
            variant === 'pytheus'
              ? `, target < ${result.targetCost * 100}% ${result.targetMet ? 'met' : 'MISSED'}`
              : ''
          }`;
    console.log(
      `${variant.padEnd(width)} ${value.toFixed(0).padStart(8)}${note}   rounds: ${rounds.map((r) => r.toFixed(0)).join(' ')}`,
    );
  }
  console.log('server CPU time per request (median; paired with bare as above)');
  for (const variant of variants) {
    const { median: value } = result.cpuMicrosPerRequest[variant];
    const note =
      variant === 'bare'
        ? ''
        : `  +${(result.cpuOverhead[variant as Exclude<Variant, 'bare'>] * 100).toFixed(1)}% over bare`;
    console.log(`${variant.padEnd(width)} ${value.toFixed(1).padStart(8)} µs${note}`);
  }
}

/**
 * The parts of an adapter's section that measure the throughput: `before` runs {@link measureThroughput} and
 * prints the figures, `extras` hands them to the result file. `app` names the framework in the printout.
 */
export function throughputSection<Variant extends string>(
  app: string,
  plan: ThroughputPlan<Variant>,
): Required<Pick<Section, 'before' | 'extras'>> {
  let figures: ThroughputFigures<Variant> | undefined;
  return {
    before: async () => {
      figures = await measureThroughput(plan);
      printThroughput(app, plan.variants, figures);
    },
    extras: () => (figures === undefined ? undefined : { ...figures }),
  };
}

/**
 * In a server process (the section file started with `--serve <variant>`): starts the variant's app with
 * `listen(variant)`, which resolves with its port, and prints `PORT <port>` for {@link measureThroughput}. Returns
 * false in the section process itself.
 */
export function serveIfAsked<Variant extends string>(
  script: string,
  variants: readonly Variant[],
  listen: (variant: Variant) => Promise<number>,
): boolean {
  if (process.argv[1] === undefined || path.resolve(process.argv[1]) !== fileURLToPath(script)) return false;
  const serve = process.argv.indexOf('--serve');
  if (serve < 0) throw new Error(`run this section with \`pnpm bench ${path.basename(script, '.ts')}\``);
  const variant = process.argv[serve + 1] as Variant;
  if (!variants.includes(variant)) throw new Error(`unknown variant ${variant}`);
  void listen(variant).then((port) => {
    process.stdout.write(`PORT ${port}\n`);
  });
  return true;
}
