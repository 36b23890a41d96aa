import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendError } from '@pytheus/core';
import type { BackendSample, MetricDescriptor, SeriesDescriptor } from '@pytheus/core/backend';

/** The config of {@link FileBackend}, as given to `loadBackend`. */
export interface FileBackendConfig {
  /** The directory holding the shared log (`metrics.jsonl`); created on the first flush. */
  directory: string;
  /** How often buffered writes are appended on their own, in milliseconds. Default 1000. */
  flushIntervalMs?: number;
}

/** Writes to one stored number since the last flush: an optional `set`, then increments added up. */
interface Pending {
  set?: number;
  /** Starts at `-0`, the identity of floating-point addition, so that `stored + delta` is exact with no incs. */
  delta: number;
}

/** Per-load state: one per config object, as core passes the same object to every instance of a load. */
interface Load {
  readonly file: string;
  readonly directory: string;
  readonly pending: Map<string, Pending>;
  readonly timer: ReturnType<typeof setInterval>;
  closed: boolean;
}

/** A stored number as folded from the log. */
interface Stored {
  readonly name: string;
  readonly labelValues: readonly string[];
  readonly histogramBucket: string | null;
  value: number;
}

/** The key of one series part, and the head of its log lines: injective, as JSON encodes the whole list. */
type Key = [name: string, labelValues: readonly string[], histogramBucket: string | null];

/** One line of the log: the key's parts, the operation, and the value as text so `NaN` and `±Inf` survive. */
type LogLine = [...Key, op: 'set' | 'inc', value: string];

const LOG_FILE = 'metrics.jsonl';
const loads = new WeakMap<FileBackendConfig, Load>();

function loadOf(config: FileBackendConfig): Load {
  const load = loads.get(config);
  if (load === undefined) {
    throw new BackendError('pytheus example FileBackend: this config was not loaded with loadBackend()');
  }
  return load;
}

function addWrite(pending: Map<string, Pending>, key: string, write: Pending): void {
  const entry = pending.get(key);
  if (write.set !== undefined || entry === undefined) pending.set(key, { ...write });
  else entry.delta += write.delta;
}

/**
 * Folds the log into one number per key. Lines are applied in file order: a `set` replaces, an `inc` adds. A
 * last line without its newline is another process' append in progress, so it is left for the next read.
 */
async function readLog(load: Load): Promise<Map<string, Stored>> {
  let text: string;
  try {
    text = await readFile(load.file, 'utf8');
  } catch (error) {
    // No log yet is an empty store, but only when the directory itself is there.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !isDirectory(load.directory)) throw error;
    text = '';
  }
  const stored = new Map<string, Stored>();
  const end = text.lastIndexOf('\n');
  for (const line of text.slice(0, end + 1).split('\n')) {
    if (line === '') continue;
    const [name, labelValues, histogramBucket, op, value] = JSON.parse(line) as LogLine;
    const key = JSON.stringify([name, labelValues, histogramBucket] satisfies Key);
    const entry = stored.get(key);
    if (op === 'set') stored.set(key, { name, labelValues, histogramBucket, value: Number(value) });
    else if (entry === undefined)
      stored.set(key, { name, labelValues, histogramBucket, value: 0 + Number(value) });
    else entry.value += Number(value);
  }
  return stored;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A pending write applied on top of a stored value (or `0` when nothing is stored). */
function withPending(stored: number | undefined, pending: Pending | undefined): number {
  if (pending === undefined) return stored ?? 0;
  return (pending.set ?? stored ?? 0) + pending.delta;
}

/**
 * An example of a user-written pytheus backend, written the way the guide `docs/writing-a-backend.md` of
 * `@pytheus/backend-testkit` describes; not for production. Processes on one machine share metric values through an append-only JSON-lines log in a directory:
 * writes are buffered in memory (synchronous, never throwing) and appended on `flush`, on a timer and on `close`;
 * a scrape folds the whole log, so the series other processes wrote show up, and adds this process' pending
 * writes. Each flush is one append of whole lines, and a `set` is a line of its own, so concurrent writers never
 * read-modify-write. The log only grows and every scrape reads all of it: correct, not fast.
 *
 * Gauges are always combined as `'shared'` (the last `set` wins, `inc` and `dec` add up); the `'perProcess'` mode
 * is not supported.
 *
 * @example
 * ```ts
 * import { Counter, loadBackend } from '@pytheus/core';
 * import { FileBackend } from './backend.js';
 *
 * loadBackend({ backendClass: FileBackend, backendConfig: { directory: '/tmp/my-app-metrics' } });
 * new Counter('jobs_done', 'Jobs finished').inc();
 * ```
 */
export class FileBackend {
  static initialize(config: FileBackendConfig): void {
    const { directory, flushIntervalMs = 1000 } = config;
    if (typeof directory !== 'string' || directory === '') {
      throw new BackendError(
        `pytheus example FileBackend: "directory" must be a non-empty string, got ${JSON.stringify(directory)}`,
      );
    }
    if (!(Number.isFinite(flushIntervalMs) && flushIntervalMs > 0)) {
      throw new BackendError(
        `pytheus example FileBackend: "flushIntervalMs" must be a positive number, got ${JSON.stringify(flushIntervalMs)}`,
      );
    }
    const timer = setInterval(() => {
      FileBackend.flush(config).catch(() => {}); // the batch stays pending; the next flush retries
    }, flushIntervalMs);
    timer.unref(); // never keeps the process alive
    loads.set(config, {
      file: join(directory, LOG_FILE),
      directory,
      pending: new Map(),
      timer,
      closed: false,
    });
  }

  /** Appends the pending writes as whole lines in one synchronous append, so flushes never interleave. */
  static async flush(config: FileBackendConfig): Promise<void> {
    const load = loadOf(config);
    if (load.pending.size === 0) return;
    const batch = [...load.pending];
    load.pending.clear();
    let text = '';
    for (const [key, write] of batch) {
      const parts = JSON.parse(key) as Key;
      if (write.set !== undefined) text += `${JSON.stringify([...parts, 'set', String(write.set)])}\n`;
      if (!Object.is(write.delta, -0)) text += `${JSON.stringify([...parts, 'inc', String(write.delta)])}\n`;
    }
    try {
      mkdirSync(load.directory, { recursive: true });
      appendFileSync(load.file, text);
    } catch (error) {
      // Keep the batch for the next flush, under any write made since (a newer set wins).
      const newer = new Map(load.pending);
      load.pending.clear();
      for (const [key, write] of batch) addWrite(load.pending, key, write);
      for (const [key, write] of newer) addWrite(load.pending, key, write);
      throw error;
    }
  }

  static async close(config: FileBackendConfig): Promise<void> {
    const load = loadOf(config);
    clearInterval(load.timer);
    try {
      await FileBackend.flush(config);
    } finally {
      load.closed = true;
    }
  }

  static async readMetrics(
    config: FileBackendConfig,
    metrics: readonly MetricDescriptor[],
  ): Promise<readonly (readonly BackendSample[])[]> {
    const load = loadOf(config);
    const stored = await readLog(load);
    for (const [key, write] of load.pending) {
      const entry = stored.get(key);
      if (entry !== undefined) {
        entry.value = withPending(entry.value, write);
      } else {
        const [name, labelValues, histogramBucket] = JSON.parse(key) as Key;
        stored.set(key, { name, labelValues, histogramBucket, value: withPending(undefined, write) });
      }
    }
    const byName = new Map<string, BackendSample[]>(metrics.map((metric) => [metric.name, []]));
    for (const { name, labelValues, histogramBucket, value } of stored.values()) {
      byName
        .get(name)
        ?.push(histogramBucket === null ? { labelValues, value } : { labelValues, histogramBucket, value });
    }
    return metrics.map((metric) => byName.get(metric.name)!);
  }

  private readonly load: Load;
  private readonly key: string;

  constructor(config: FileBackendConfig, series: SeriesDescriptor, histogramBucket?: string) {
    this.load = loadOf(config);
    this.key = JSON.stringify([
      series.metric.name,
      series.labelValues,
      histogramBucket ?? null,
    ] satisfies Key);
  }

  inc(value: number): void {
    if (this.load.closed) return; // a late write during shutdown is dropped quietly
    const entry = this.load.pending.get(this.key);
    if (entry !== undefined) entry.delta += value;
    else this.load.pending.set(this.key, { delta: -0 + value });
  }

  dec(value: number): void {
    this.inc(-value);
  }

  set(value: number): void {
    if (!this.load.closed) this.load.pending.set(this.key, { set: value, delta: -0 });
  }

  async get(): Promise<number> {
    const stored = await readLog(this.load);
    return withPending(stored.get(this.key)?.value, this.load.pending.get(this.key));
  }
}

export default FileBackend;
