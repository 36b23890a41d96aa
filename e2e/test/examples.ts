// Starting the examples as their READMEs do (`pnpm start` runs `node --conditions=@pytheus/source --import tsx
// src/main.ts`), watching what they print, and stopping every process they started, also when a test fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** An example's process tree (its own process group), with every line it printed. */
export class RunningExample {
  readonly lines: string[] = [];
  private waiters: { pattern: RegExp; count: number; resolve: () => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    let rest = '';
    const read = (chunk: Buffer) => {
      rest += chunk.toString();
      const parts = rest.split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        this.check();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The lines that matched `pattern`, each turned into its first capture group. */
  matches(pattern: RegExp): string[] {
    return this.lines.flatMap((line) => {
      const match = pattern.exec(line);
      return match ? [match[1] ?? match[0]] : [];
    });
  }

  /** Resolves once `count` lines in all have matched `pattern`; rejects after `timeoutMs` with what it printed. */
  waitFor(pattern: RegExp, count = 1, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`${this.name} did not print ${count} × ${pattern} in time:\n${this.lines.join('\n')}`),
        );
      }, timeoutMs);
      this.waiters.push({
        pattern,
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      this.check();
    });
  }

  private check(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (this.matches(waiter.pattern).length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Sends `signal` to the example's main process. */
  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Kills the whole process group (main process and its workers), at once. */
  killAll(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Starts `examples/<name>` as `pnpm start` does, in a process group of its own, with `env` added. */
export function startExample(name: string, env: Record<string, string>): RunningExample {
  const child = spawn(process.execPath, ['--conditions=@pytheus/source', '--import', 'tsx', 'src/main.ts'], {
    cwd: join(ROOT, 'examples', name),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return new RunningExample(name, child);
}

/** Fetches `url`; resolves with the status, the `x-served-by` header and the body, or undefined if it failed. */
export async function request(
  url: string,
): Promise<{ status: number; servedBy: string | null; body: string } | undefined> {
  try {
    const response = await fetch(url);
    return {
      status: response.status,
      servedBy: response.headers.get('x-served-by'),
      body: await response.text(),
    };
  } catch {
    return undefined;
  }
}

/** Runs `count` calls of `task` with at most `concurrency` at once. */
export async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** Polls `read` until it returns `expected` (compared as JSON) or the time is up; returns the last value read. */
export async function settle<T>(read: () => Promise<T>, expected: T, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    value = await read();
  }
  return value;
}
