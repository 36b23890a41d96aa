// The original pytheus example as a fleet (examples/express-redis: 4 Express workers under node:cluster on one
// Redis), judged by a real Prometheus that scrapes it: the counts it reads through its HTTP API are exact, they
// survive a worker killed with SIGKILL (never going down, losing at most what that worker had not flushed), and a
// graceful shutdown loses nothing.
import { freePort, promtool, TestPrometheus, TestRedis } from '@pytheus/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool, type RunningExample, request, settle, startExample } from './examples.js';

const WORKERS = 4;
const LISTENING = /^worker (\d+) listening on /;
const HOME = 'http_request_duration_seconds_count{route="/"}';

let redis: TestRedis | undefined;
let prometheus: TestPrometheus | undefined;
let fleet: RunningExample | undefined;
let base = '';
let port = 0;
let startedAt = 0;

async function startFleet(): Promise<RunningExample> {
  const example = startExample('express-redis', {
    WORKERS: String(WORKERS),
    PORT: String(port),
    REDIS_URL: redis!.url,
    SLOW_MS: '200',
  });
  await example.waitFor(LISTENING, WORKERS);
  return example;
}

// Prometheus scrapes the fleet as one target, so each series it has is already the fleet's total.
async function total(expr: string): Promise<number> {
  return (await prometheus!.scalar(`sum(${expr})`)) ?? 0;
}

// Reads until the value has not changed for a few seconds (every worker has flushed and Prometheus scraped since).
async function steady(expr: string): Promise<number> {
  let value = await total(expr);
  let since = Date.now();
  while (Date.now() - since < 4000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await total(expr);
    if (next !== value) {
      value = next;
      since = Date.now();
    }
  }
  return value;
}

beforeAll(async () => {
  startedAt = Date.now() / 1000;
  redis = await TestRedis.start();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  fleet = await startFleet();
  prometheus = await TestPrometheus.start({ targets: [`127.0.0.1:${port}`] });
  await prometheus.waitUntilUp();
});

afterAll(async () => {
  fleet?.killAll();
  await prometheus?.remove();
  await redis?.remove();
});

describe('the express-redis fleet, scraped by a real Prometheus', () => {
  it('counts every request of every worker exactly', async () => {
    const pages = await pool(200, 16, () => request(`${base}/`));
    const slow = await pool(20, 10, () => request(`${base}/slow`));
    expect(pages.map((answer) => answer?.status)).toEqual(new Array(200).fill(200));
    expect(slow.map((answer) => answer?.status)).toEqual(new Array(20).fill(200));
    expect(new Set([...pages, ...slow].map((answer) => answer?.servedBy)).size).toBeGreaterThan(1);

    const expected = { home: 200, slow: 20, slowCount: 20, slowInf: 20, slowLow: 0, pages: 220, normal: 200 };
    const read = async () => ({
      home: await total(HOME),
      slow: await total('http_request_duration_seconds_count{route="/slow"}'),
      slowCount: await total('page_visits_latency_seconds_labeled_count{speed="slow"}'),
      slowInf: await total('page_visits_latency_seconds_labeled_bucket{speed="slow",le="+Inf"}'),
      // A /slow page sleeps 200 ms: none lands at or below 0.1 s.
      slowLow: await total('page_visits_latency_seconds_labeled_bucket{speed="slow",le="0.1"}'),
      pages: await total('page_visits_latency_seconds_count'),
      normal: await total('page_visits_latency_seconds_labeled_count{speed="normal"}'),
    });
    expect(await settle(read, expected)).toEqual(expected);
  });

  it("serves the fleet's numbers from every worker, in output promtool accepts", async () => {
    // Concurrent requests open several connections, which the cluster hands to its workers in turn.
    const answers = await pool(40, 40, () => request(`${base}/metrics`));
    const seen = new Map<string, string>();
    for (const answer of answers) {
      expect(answer?.status).toBe(200);
      const line = answer!.body
        .split('\n')
        .find((text) => text.startsWith('http_request_duration_seconds_count{method="GET",route="/"'));
      seen.set(answer!.servedBy!, line ?? 'none');
    }
    expect(promtool(answers[0]!.body)).toEqual({ status: 0, output: '' });
    expect(seen.size).toBe(WORKERS);
    expect(new Set(seen.values())).toEqual(
      new Set(['http_request_duration_seconds_count{method="GET",route="/",status_code="200"} 200']),
    );
  });

  it('survives a worker killed with SIGKILL: totals never go down, and lose at most what it had not flushed', async () => {
    const before = await steady(HOME);
    const victim = fleet!.matches(LISTENING)[0]!;
    let killedAt = 0;
    const answers = await pool(600, 12, async (i) => {
      if (i === 300) {
        process.kill(Number(victim), 'SIGKILL');
        killedAt = Date.now();
      }
      const answer = await request(`${base}/`);
      return answer === undefined ? undefined : { ...answer, at: Date.now() };
    });
    const answered = answers.filter((answer) => answer?.status === 200);
    // The replacement worker starts.
    await fleet!.waitFor(LISTENING, WORKERS + 1);
    // What the victim answered in the flush interval (1 s, with a margin) before it died: all it can have lost.
    const unflushed = answered.filter(
      (answer) => answer!.servedBy === victim && answer!.at > killedAt - 1500,
    );
    const after = await steady(HOME);
    const lost = before + answered.length - after;
    console.log(
      `worker ${victim} killed with SIGKILL: ${answered.length} of 600 requests answered, ${lost} of them not counted; the victim answered ${unflushed.length} in its last flush interval`,
    );
    expect(lost).toBeGreaterThanOrEqual(0);
    expect(lost).toBeLessThanOrEqual(unflushed.length);
  });

  it('loses nothing in a graceful shutdown (SIGTERM): every worker ships its last writes first', async () => {
    const before = await steady(HOME);
    const answers = await pool(100, 10, () => request(`${base}/`));
    expect(answers.map((answer) => answer?.status)).toEqual(new Array(100).fill(200));
    // At once, before the workers' next flush.
    fleet!.signal('SIGTERM');
    expect(await fleet!.exited).toBe(0);
    fleet = await startFleet();
    expect(await settle(() => total(HOME), before + 100)).toBe(before + 100);
  });

  it('never showed a total going down, through all of the above', async () => {
    const now = Date.now() / 1000;
    const data = await prometheus!.api<{
      result: { metric: Record<string, string>; values: [number, string][] }[];
    }>(
      `/api/v1/query_range?query=${encodeURIComponent(`{__name__=~"http_request_duration_seconds_count|page_visits_latency_seconds_count"}`)}&start=${startedAt}&end=${now}&step=1`,
    );
    expect(data.result.length).toBeGreaterThan(0);
    for (const series of data.result) {
      const values = series.values.map(([, value]) => Number(value));
      const drops = values.filter((value, i) => i > 0 && value < values[i - 1]!);
      expect({ series: series.metric, drops }).toEqual({ series: series.metric, drops: [] });
    }
  });
});
