import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { RedisBackendConfig } from '../src/index.js';

const packageRoot = join(import.meta.dirname, '..');

/** A child process running test/child.ts, driven line by line over stdin/stdout. */
export class Worker {
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly queued: string[] = [];
  stderr = '';

  constructor(readonly child: ChildProcess) {
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.queued.push(line);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /** Starts `script` (test/child.ts by default) with the backend config and `env` in its environment. */
  static start(config: RedisBackendConfig, env: Record<string, string>, script = 'test/child.ts'): Worker {
    const configPath = join(
      tmpdir(),
      `pytheus-redis-${process.pid}-${Math.random().toString(36).slice(2)}.json`,
    );
    writeFileSync(configPath, JSON.stringify(config));
    const child = spawn(process.execPath, ['--conditions=@pytheus/source', '--import', 'tsx', script], {
      cwd: packageRoot,
      env: {
        ...process.env,
        PYTHEUS_BACKEND_CLASS: '@pytheus/backend-redis#RedisBackend',
        PYTHEUS_BACKEND_CONFIG: configPath,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new Worker(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The next line the worker prints; rejects if it exits first. */
  nextLine(): Promise<string> {
    const queued = this.queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`worker ${this.pid} exited (${code}) before answering:\n${this.stderr}`));
      this.child.once('exit', onExit);
      this.waiting.push((line) => {
        this.child.off('exit', onExit);
        resolve(line);
      });
    });
  }

  async scrape(): Promise<string> {
    this.child.stdin!.write('scrape\n');
    return JSON.parse(await this.nextLine()) as string;
  }

  /** Asks the worker to close its backend and exit, and waits for it. */
  async exit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.write('exit\n');
    await exited;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}
