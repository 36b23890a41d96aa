import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisBackendConfig } from '../src/index.js';
import { plainRedis, uniquePrefix } from './harness.js';
import { Worker } from './workers.js';

// The runtime metrics of @pytheus/core under the Redis backend: every runtime metric is per process, so a scrape of
// any worker shows each live worker's series, labelled by process, and a killed worker's series go after
// processExpireSeconds. Summing across processes is left to PromQL.

const WORKERS = 3;

let redis: Awaited<ReturnType<typeof plainRedis>>;
const workers: Worker[] = [];
beforeAll(async () => {
  redis = await plainRedis();
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  await redis?.stop();
});

/** Per gauge family: the process label of every sample, and whether every sample has one. */
function gaugeProcesses(text: string): Map<string, string[]> {
  const gauges = new Set<string>();
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ') && line.endsWith(' gauge')) gauges.add(line.split(' ')[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    if (!gauges.has(name)) continue;
    const process = /[{,]process="([^"]*)"/.exec(line)?.[1] ?? '(none)';
    out.set(name, [...(out.get(name) ?? []), process]);
  }
  return out;
}

const processId = (worker: Worker) => `${hostname()}:${worker.pid}`;

/** Scrapes `worker` until `done` holds for the text, or 10 s have passed; returns the last text. */
async function scrapeUntil(worker: Worker, done: (text: string) => boolean): Promise<string> {
  let text = '';
  for (let attempt = 0; attempt < 100; attempt++) {
    text = await worker.scrape();
    if (done(text)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return text;
}

// The snapshot gauges that every process has: one series each (heap spaces: one per space and process).
const ONE_PER_PROCESS = [
  'process_resident_memory_bytes',
  'process_start_time_seconds',
  'process_open_fds',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_utilization_ratio',
  'nodejs_version_info',
];

function expectSeriesOf(text: string, live: Worker[]): void {
  const expected = live.map(processId).sort();
  const families = gaugeProcesses(text);
  for (const name of ONE_PER_PROCESS) expect(families.get(name)?.sort(), name).toEqual(expected);
  expect(new Set(families.get('nodejs_heap_space_size_used_bytes'))).toEqual(new Set(expected));
  // Every gauge the runtime metrics show is per process: no sample without a process label, none of another.
  for (const [name, processes] of families) {
    for (const process of processes) expect(expected, `${name}{process="${process}"}`).toContain(process);
  }
}

/** `count` workers collecting runtime metrics on one key prefix, once each has said it is ready. */
async function startWorkers(name: string, count: number): Promise<Worker[]> {
  const config: RedisBackendConfig = {
    url: redis.url,
    keyPrefix: uniquePrefix(name),
    flushIntervalMs: 20,
    processExpireSeconds: 1,
  };
  const started = Array.from({ length: count }, () =>
    Worker.start(config, { CHILD_REFRESH_MS: '100' }, 'test/runtime-child.ts'),
  );
  expect(await Promise.all(started.map((worker) => worker.nextLine()))).toEqual(Array(count).fill('ready'));
  return started;
}

describe('runtime metrics of several processes on one Redis', () => {
  it('a scrape of any worker shows one series per live process; a killed process goes after its expiry', async () => {
    workers.push(...(await startWorkers('runtime', WORKERS)));

    const all = workers.map(processId).sort();
    // Each worker ships its families as its own refresh reaches them: wait until every family shows every worker.
    const seesAll = (text: string) => {
      const families = gaugeProcesses(text);
      return ONE_PER_PROCESS.every(
        (name) => JSON.stringify(families.get(name)?.sort()) === JSON.stringify(all),
      );
    };
    for (const worker of workers) expectSeriesOf(await scrapeUntil(worker, seesAll), workers);

    // Each process' own values: start times differ, and each is its own process' (in the past, recent).
    const text = await workers[0]!.scrape();
    const starts = [...text.matchAll(/^process_start_time_seconds\{process="([^"]+)"\} (\S+)$/gm)];
    expect(starts).toHaveLength(WORKERS);
    for (const [, , value] of starts) {
      expect(Number(value)).toBeLessThan(Date.now() / 1000);
      expect(Number(value)).toBeGreaterThan(Date.now() / 1000 - 120);
    }

    // A worker killed without closing: its series go once its liveness expires (1 s here); the others stay.
    const killed = workers[WORKERS - 1]!;
    await killed.kill();
    const survivors = workers.slice(0, -1);
    const gone = (text: string) => !text.includes(`process="${processId(killed)}"`);
    const after = await scrapeUntil(workers[0]!, gone);
    expect(after).not.toContain(`process="${processId(killed)}"`);
    expectSeriesOf(after, survivors);
    expectSeriesOf(await workers[1]!.scrape(), survivors);

    // A worker that closes its backend removes its series at once.
    await workers[1]!.exit();
    expectSeriesOf(await workers[0]!.scrape(), [workers[0]!]);
    await workers[0]!.exit();
  });

  it('per-process counters and histograms: one series per live process, each its own totals, gone after expiry', async () => {
    const pair = await startWorkers('runtime-totals', 2);
    workers.push(...pair);
    const all = pair.map(processId).sort();
    // process_cpu_user_seconds_total: a counter, each process' own CPU time.
    const cpu = (text: string) =>
      [...text.matchAll(/^process_cpu_user_seconds_total\{process="([^"]+)"\} (\S+)$/gm)].map(
        ([, id, value]) => ({
          id: id!,
          value: Number(value),
        }),
      );
    const seesBoth = (text: string) =>
      JSON.stringify(
        cpu(text)
          .map(({ id }) => id)
          .sort(),
      ) === JSON.stringify(all);
    const text = await scrapeUntil(pair[0]!, seesBoth);
    expect(
      cpu(text)
        .map(({ id }) => id)
        .sort(),
    ).toEqual(all);
    for (const { value } of cpu(text)) expect(value).toBeGreaterThan(0);
    // Every counter and histogram sample carries the process label of a live process; none is summed.
    const totals = text.split('\n').filter((line) => /^(process_cpu_|nodejs_gc_duration_seconds)/.test(line));
    expect(totals.length).toBeGreaterThan(0);
    for (const line of totals) expect(all).toContain(/[{,]process="([^"]*)"/.exec(line)?.[1]);

    // A killed process' totals go after its expiry; the other's stay.
    await pair[1]!.kill();
    const gone = await scrapeUntil(
      pair[0]!,
      (scraped) => !scraped.includes(`process="${processId(pair[1]!)}"`),
    );
    expect(cpu(gone).map(({ id }) => id)).toEqual([processId(pair[0]!)]);
    await pair[0]!.exit();
  });
});
