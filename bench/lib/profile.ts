// `pnpm --filter @pytheus/bench profile <section> <variant> [reference]`: where an adapter section's variant spends
// its CPU time, next to a reference variant of the same section (default `bare`), sampled by Linux perf.
//
// Both servers share the server core, each under its own wrk on the load core (as the sharing rounds of
// lib/http-load.ts do), while `perf record -e cpu-clock -g` samples both processes. Each sample is charged to the
// first frame of its stack, leaf upwards, that belongs to one of three parts:
// - the middleware: pytheus' packages (a floor variant's middleware is the app's: compare with it by the difference);
// - the app: the framework and everything else in node_modules, and the section's own app (its handler);
// - Node and the kernel: all the rest (Node's internals, V8, libuv, the TCP stack, garbage collection).
// So a sample in a Node or V8 function that the middleware called is the middleware's. The middleware's share of
// its process's samples is the figure that CPU time per request cannot give: it does not move with the machine's
// speed, which on this machine kind moves by ±15% from one second to the next, and it is read from one process.
// What the middleware costs the app indirectly (for instance code and data it pushes out of the caches) is not in
// it; the difference between the two processes' CPU time per request holds it, with the noise of two processes,
// and the last list breaks that difference down by leaf function (`BENCH_PROFILE_DIFFERENCES` of them, default 25).
//
// Needs perf (Debian: apt-get install linux-perf) with /proc/sys/kernel/perf_event_paranoid at 1 or less (or root),
// wrk and taskset. Node writes a map of its generated code to /tmp/perf-<pid>.map
// (--perf-basic-prof-only-functions), which perf reads to name JavaScript frames; V8 may reuse a code address
// after freeing the code, so a few samples can carry another function's name.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LOAD_CORE, load, need, SERVER_CORE, startServer, stopServer } from './http-load.js';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = `${path.resolve(benchDir, '..', 'packages')}${path.sep}`;
const FREQUENCY = 4999;
// The path every adapter section's app serves, and the connections of one app in the sharing rounds.
const TARGET = '/users/42';
const CONNECTIONS = 25;
const NODE_ARGS = [
  '--perf-basic-prof-only-functions',
  // Node 24 also starts V8's log with it, in a file of the working directory: a temporary one instead.
  '--logfile=+',
  '--no-logfile-per-isolate',
  '--conditions=@pytheus/source',
  '--import',
  'tsx',
];

type Part = 'middleware' | 'app' | 'node and kernel';
const PARTS: readonly Part[] = ['middleware', 'app', 'node and kernel'];

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function partOf(frame: string): Part | undefined {
  if (frame.includes(packagesDir)) return 'middleware';
  if (
    frame.includes(`${path.sep}node_modules${path.sep}`) ||
    frame.includes(`${benchDir}${path.sep}sections`)
  ) {
    return 'app';
  }
  return undefined;
}

interface Tally {
  samples: number;
  parts: Record<Part, number>;
  // Samples by part and leaf frame (the function the sample was taken in), keyed `<part>: <frame>`.
  leaves: Map<string, number>;
}

// Reads `perf script -F pid,ip,sym` output: a line with the pid, then one line per frame (leaf first), then a blank line.
async function tally(dataFile: string, pids: readonly number[]): Promise<Map<number, Tally>> {
  const tallies = new Map<number, Tally>(
    pids.map((pid) => [
      pid,
      {
        samples: 0,
        parts: { middleware: 0, app: 0, 'node and kernel': 0 },
        leaves: new Map(),
      },
    ]),
  );
  const script = spawn('perf', ['script', '-i', dataFile, '-F', 'pid,ip,sym'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let pid = 0;
  let frames: string[] = [];
  const end = () => {
    const counts = tallies.get(pid);
    if (counts !== undefined && frames.length > 0) {
      let part: Part = 'node and kernel';
      for (const frame of frames) {
        const found = partOf(frame);
        if (found !== undefined) {
          part = found;
          break;
        }
      }
      counts.samples++;
      counts.parts[part]++;
      const leaf = `${part}: ${frames[0]!}`;
      counts.leaves.set(leaf, (counts.leaves.get(leaf) ?? 0) + 1);
    }
    frames = [];
  };
  for await (const line of createInterface({ input: script.stdout! })) {
    if (line.trim() === '') end();
    else if (!line.startsWith('\t')) pid = Number(line.trim().split(/\s+/)[0]);
    else frames.push(line.trim().replace(/^[0-9a-f]+\s+/, ''));
  }
  end();
  return tallies;
}

async function main() {
  const [section, variant, reference = 'bare'] = process.argv.slice(2).filter((arg) => arg !== '--');
  if (section === undefined || variant === undefined) {
    fail('usage: pnpm --filter @pytheus/bench profile <section> <variant> [reference variant, default bare]');
  }
  const script = path.join(benchDir, 'sections', `${section}.ts`);
  if (!existsSync(script)) fail(`no section ${section}`);
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 12);
  try {
    need('profile', 'perf', ['--version'], 'Debian: apt-get install linux-perf');
    need('profile', 'wrk', ['--version'], 'Debian: apt-get install wrk');
    need('profile', 'taskset', ['-c', LOAD_CORE, 'true'], 'util-linux');
  } catch (error) {
    fail((error as Error).message);
  }
  const paranoid = Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8'));
  if (paranoid > 1 && process.getuid?.() !== 0) {
    fail(`perf_event_paranoid is ${paranoid}: run as root, or sysctl kernel.perf_event_paranoid=1`);
  }
  const dataFile = path.join(os.tmpdir(), `pytheus-profile-${process.pid}.data`);
  const servers = [
    await startServer(script, reference, NODE_ARGS),
    await startServer(script, variant, NODE_ARGS),
  ];
  const requests: number[] = [];
  try {
    await Promise.all(servers.map((server) => load(server, TARGET, 3, CONNECTIONS))); // warm-up
    const record = spawn(
      'perf',
      [
        'record',
        '-e',
        'cpu-clock',
        '-F',
        String(FREQUENCY),
        '-g',
        '-p',
        servers.map((server) => server.child.pid).join(','),
        '-o',
        dataFile,
        '--',
        'sleep',
        String(seconds),
      ],
      { stdio: 'ignore' },
    );
    const recorded = new Promise((resolve) => record.once('exit', resolve));
    const runs = await Promise.all(servers.map((server) => load(server, TARGET, seconds, CONNECTIONS)));
    requests.push(...runs.map((run) => run.requests));
    await recorded;
  } finally {
    await Promise.all(servers.map(stopServer));
  }
  const pids = servers.map((server) => server.child.pid!);
  const tallies = await tally(dataFile, pids);
  rmSync(dataFile, { force: true });
  for (const pid of pids) rmSync(path.join(os.tmpdir(), `perf-${pid}.map`), { force: true });

  const micros = (samples: number, index: number) => ((samples / FREQUENCY) * 1e6) / requests[index]!;
  console.log(
    `${section}: ${reference} and ${variant} sharing core ${SERVER_CORE}, each under wrk -c${CONNECTIONS} on core ${LOAD_CORE}, ${seconds} s sampled at ${FREQUENCY} Hz`,
  );
  console.log('CPU time per request, by the part of the stack each sample was taken in:');
  const rows = servers.map((server, index) => {
    const counts = tallies.get(pids[index]!)!;
    const parts = PARTS.map((part) => micros(counts.parts[part], index));
    console.log(
      `  ${server.variant.padEnd(22)} ${micros(counts.samples, index).toFixed(2).padStart(7)} µs: ${PARTS.map(
        (part, i) => `${part} ${parts[i]!.toFixed(2)}`,
      ).join(', ')} (${counts.samples} samples, ${requests[index]} requests)`,
    );
    return { counts, parts, all: micros(counts.samples, index) };
  });
  const [base, measured] = rows as [(typeof rows)[number], (typeof rows)[number]];
  console.log(
    `  difference             ${(measured.all - base.all).toFixed(2).padStart(7)} µs: ${PARTS.map(
      (part, i) => `${part} ${(measured.parts[i]! - base.parts[i]!).toFixed(2)}`,
    ).join(', ')}`,
  );
  console.log(
    `${variant}: the middleware's share of its process's CPU time: ${((measured.counts.parts.middleware / measured.counts.samples) * 100).toFixed(2)}%`,
  );
  console.log('where it goes (the function each of its samples was taken in), µs per request:');
  const own = 'middleware: ';
  const leaves = [...measured.counts.leaves]
    .filter(([leaf]) => leaf.startsWith(own))
    .map(([leaf, samples]) => [leaf.slice(own.length), samples] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20);
  for (const [leaf, samples] of leaves)
    console.log(`  ${micros(samples, 1).toFixed(3).padStart(7)}  ${leaf}`);
  // Where the two processes differ most, leaf by leaf (in any part): what the middleware costs the app indirectly.
  const names = new Set([...base.counts.leaves.keys(), ...measured.counts.leaves.keys()]);
  const differences = [...names]
    .map((name) => {
      const a = micros(base.counts.leaves.get(name) ?? 0, 0);
      const b = micros(measured.counts.leaves.get(name) ?? 0, 1);
      return { name, a, b, difference: b - a };
    })
    .sort((x, y) => Math.abs(y.difference) - Math.abs(x.difference))
    .slice(0, Number(process.env.BENCH_PROFILE_DIFFERENCES ?? 25));
  console.log(`the largest differences by leaf, µs per request (${reference} → ${variant}):`);
  for (const { name, a, b, difference } of differences) {
    console.log(
      `  ${`${difference >= 0 ? '+' : ''}${difference.toFixed(3)}`.padStart(7)}  (${a.toFixed(3)} → ${b.toFixed(3)})  ${name}`,
    );
  }
}

await main();
