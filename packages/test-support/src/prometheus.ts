// A real Prometheus server for the tests: Debian's `prometheus` on a free loopback port, a generated config, a
// temporary data directory; stopped and removed by the test.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './port.js';

/** One sample of an instant query's answer. */
export interface PrometheusSample {
  metric: Record<string, string>;
  value: [number, string];
}

export class TestPrometheus {
  private log = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** The HTTP API's base URL: `http://127.0.0.1:<port>`. */
    readonly url: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.log += chunk.toString();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  /**
   * Starts Prometheus scraping `targets` (`host:port`) as the job `job` every `scrapeIntervalSeconds`, with exemplar
   * storage on. Throws with an install hint when `prometheus` is not on PATH.
   */
  static async start(options: {
    targets: readonly string[];
    job?: string;
    scrapeIntervalSeconds?: number;
  }): Promise<TestPrometheus> {
    const check = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
    if (check.error || check.status !== 0) {
      throw new Error(
        `cannot run \`prometheus\` (${check.error?.message ?? check.stderr}): these tests need a Prometheus server on PATH; on Debian or Ubuntu, \`apt-get install prometheus\``,
      );
    }
    const interval = options.scrapeIntervalSeconds ?? 1;
    const dir = await mkdtemp(join(tmpdir(), 'pytheus-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        `  scrape_interval: ${interval}s`,
        `  scrape_timeout: ${interval}s`,
        'scrape_configs:',
        `  - job_name: ${options.job ?? 'pytheus'}`,
        '    static_configs:',
        `      - targets: [${options.targets.map((target) => `'${target}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new TestPrometheus(child, dir, `http://127.0.0.1:${port}`);
  }

  /** What Prometheus printed (warnings and errors). */
  get output(): string {
    return this.log;
  }

  /** GETs an API path and returns its `data`; throws with Prometheus' error otherwise. */
  async api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success')
      throw new Error(`Prometheus API ${path}: ${body.error ?? response.status}`);
    return body.data;
  }

  /** An instant query. */
  async query(expr: string): Promise<PrometheusSample[]> {
    const data = await this.api<{ result: PrometheusSample[] }>(
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    return data.result;
  }

  /** The value of a query that answers one sample, or undefined when it answers none. */
  async scalar(expr: string): Promise<number | undefined> {
    const [sample, ...more] = await this.query(expr);
    if (more.length > 0) throw new Error(`query ${expr} answered ${more.length + 1} samples, not one`);
    return sample === undefined ? undefined : Number(sample.value[1]);
  }

  /** Waits until every target of the job is up, or throws with what Prometheus said. */
  async waitUntilUp(job = 'pytheus', timeoutMs = 45_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let problem = 'no answer yet';
    for (;;) {
      if (this.child.exitCode !== null) {
        throw new Error(`prometheus exited with code ${this.child.exitCode}:\n${this.log}`);
      }
      try {
        const up = await this.query(`up{job="${job}"}`);
        if (up.length > 0 && up.every((sample) => sample.value[1] === '1')) return;
        const targets = await this.api<{ activeTargets: unknown[] }>('/api/v1/targets');
        problem = `up=${JSON.stringify(up.map((sample) => sample.value[1]))}, targets: ${JSON.stringify(targets.activeTargets)}`;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadline)
        throw new Error(`Prometheus did not scrape in time (${problem}):\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Stops the server and removes its data. */
  async remove(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
