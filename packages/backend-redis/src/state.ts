import { randomUUID } from 'node:crypto';
import { BackendError } from '@pytheus/core';
import type { BackendSample, MetricDescriptor } from '@pytheus/core/backend';
import type { Cluster, Redis } from 'ioredis';
import type { ResolvedConfig } from './config.js';
import { ackKey, decodeNumber, encodeNumber, type MetricKeys, metricKeys, parseField } from './keys.js';
import { APPLY_BATCH, DROP_PROCESS, READ_PROCESSES, WRITE_PROCESS } from './scripts.js';

interface Scripts {
  pytheusApplyBatch(values: string, ack: string, ...args: string[]): Promise<number>;
  pytheusWriteProcess(processes: string, hash: string, ...args: string[]): Promise<number>;
  pytheusReadProcesses(processes: string, prefix: string): Promise<(string | string[])[]>;
  pytheusDropProcess(processes: string, hash: string, id: string): Promise<number>;
}

type Client = (Redis | Cluster) & Scripts;

/** One stored number: what a writer needs from a RedisBackend instance. */
export interface Cell {
  readonly field: string;
  /** Shared series: the change since the last flush, or the value set when `isSet`. Per-process: the value. */
  delta: number;
  isSet: boolean;
  /** Not shipped yet since its creation: shipped once even at zero, so that the series exists in Redis. */
  fresh: boolean;
}

function noop(): void {}

function toBackendError(error: unknown, doing: string): BackendError {
  if (error instanceof BackendError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new BackendError(`Redis backend: ${doing} failed: ${reason}`, { cause: error });
}

/**
 * Ships the writes of one metric. Writes only change numbers in the cells (so that `inc()` is one add, as in
 * memory); a flush scans the metric's cells for changes. Shared series go in batches with a sequence number; a
 * batch stays `unacked` until Redis confirms it, and is sent again unchanged until then (the Lua script skips it
 * if it was applied already). New changes wait in the cells meanwhile: memory is bounded by the number of series.
 */
export class Writer {
  /** The cells of this metric, one per field: a second instance for a field gets the first one. */
  private readonly cells: Cell[] = [];
  private readonly byField = new Map<string, Cell>();
  private seq = 0;
  private unacked: string[] | undefined = undefined;
  private running: Promise<void> | undefined = undefined;
  private followUp: Promise<void> | undefined = undefined;
  /** Per-process gauges: when the values were last written, and what was written. */
  private refreshedAt = 0;
  private readonly sent = new Map<Cell, number>();
  private readonly ack: string;

  constructor(
    readonly state: State,
    readonly metric: MetricDescriptor,
    readonly keys: MetricKeys,
    readonly perProcess: boolean,
  ) {
    this.ack = ackKey(keys, state.writerId);
  }

  /** The cell already stored under `field`, if any. */
  cellFor(field: string): Cell | undefined {
    return this.byField.get(field);
  }

  add(cell: Cell): void {
    this.byField.set(cell.field, cell);
    this.cells.push(cell);
  }

  /** Whether a flush has anything to send. */
  get due(): boolean {
    if (this.unacked !== undefined) return true;
    if (this.perProcess) {
      if (Date.now() - this.refreshedAt > (this.state.config.processExpireSeconds * 1000) / 3) return true;
      for (const cell of this.cells) if (!Object.is(this.sent.get(cell), cell.delta)) return true;
      return false;
    }
    for (const cell of this.cells) if (cell.delta !== 0 || cell.isSet || cell.fresh) return true;
    return false;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Ships what changed; one attempt at a time, so a retried batch is never overtaken by a newer one. */
  ship(): Promise<void> {
    if (this.running === undefined) return this.start();
    if (this.followUp === undefined) {
      this.followUp = this.running.then(noop, noop).then(() => {
        this.followUp = undefined;
        return this.start();
      });
    }
    return this.followUp;
  }

  private start(): Promise<void> {
    const attempt = this.shipNow().finally(() => {
      if (this.running === attempt) this.running = undefined;
    });
    this.running = attempt;
    return attempt;
  }

  private async shipNow(): Promise<void> {
    const { client, config } = this.state;
    if (this.perProcess) {
      if (!this.due || this.cells.length === 0) return;
      const args = [
        config.processId,
        String(config.processExpireSeconds * 1000),
        String(config.expireSeconds),
      ];
      const values = this.cells.map((cell) => cell.delta);
      for (const [i, cell] of this.cells.entries()) args.push(cell.field, encodeNumber(values[i]!));
      try {
        await client.pytheusWriteProcess(
          this.keys.processes,
          this.keys.processPrefix + config.processId,
          ...args,
        );
      } catch (error) {
        throw toBackendError(error, `writing metric "${this.metric.name}"`);
      }
      for (const [i, cell] of this.cells.entries()) this.sent.set(cell, values[i]!);
      this.refreshedAt = Date.now();
      return;
    }
    // At most two passes: first a batch left unacknowledged by a failed attempt, then what changed since.
    for (let pass = 0; pass < 2; pass++) {
      if (this.unacked === undefined) {
        const args = [String(this.seq + 1), String(config.expireSeconds)];
        for (const cell of this.cells) {
          if (cell.delta === 0 && !cell.isSet && !cell.fresh) continue;
          args.push(cell.isSet ? 's' : 'a', cell.field, encodeNumber(cell.delta));
          cell.delta = 0;
          cell.isSet = false;
          cell.fresh = false;
        }
        if (args.length === 2) return;
        this.seq++;
        this.unacked = args;
      }
      try {
        await client.pytheusApplyBatch(this.keys.values, this.ack, ...this.unacked);
      } catch (error) {
        throw toBackendError(error, `writing metric "${this.metric.name}"`);
      }
      this.unacked = undefined;
    }
  }

  /** Removes this process' per-process series (on close). */
  async dropProcess(): Promise<void> {
    const { client, config } = this.state;
    await client.pytheusDropProcess(
      this.keys.processes,
      this.keys.processPrefix + config.processId,
      config.processId,
    );
  }
}

/** What one config (one `loadBackend` call) owns: the connection, the writers, the flush timer. */
export class State {
  readonly writerId = randomUUID();
  readonly client: Client;
  private readonly writers = new Map<string, Writer>();
  private readonly processWriters: Writer[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private ticking = false;
  closed = false;
  private lastError: unknown = undefined;

  constructor(
    readonly config: ResolvedConfig,
    client: Redis | Cluster,
    private readonly ownsClient: boolean,
  ) {
    const scripts = client as Client;
    if (typeof scripts.pytheusApplyBatch !== 'function') {
      client.defineCommand('pytheusApplyBatch', { numberOfKeys: 2, lua: APPLY_BATCH });
      client.defineCommand('pytheusWriteProcess', { numberOfKeys: 2, lua: WRITE_PROCESS });
      client.defineCommand('pytheusReadProcesses', { numberOfKeys: 1, lua: READ_PROCESSES });
      client.defineCommand('pytheusDropProcess', { numberOfKeys: 2, lua: DROP_PROCESS });
    }
    this.client = scripts;
    // Our own connection reports errors here rather than as unhandled 'error' events; writes are retried.
    if (ownsClient) {
      client.on('error', (error: unknown) => {
        this.lastError = error;
      });
    }
    this.timer = setInterval(() => this.tick(), config.flushIntervalMs);
    this.timer.unref?.();
  }

  writerFor(metric: MetricDescriptor): Writer {
    const perProcess = metric.type === 'gauge' && metric.multiprocessMode === 'perProcess';
    const id = `${perProcess ? 'p' : 's'}${metric.type}:${metric.name}`;
    let writer = this.writers.get(id);
    if (writer === undefined) {
      writer = new Writer(this, metric, metricKeys(this.config.keyPrefix, metric), perProcess);
      this.writers.set(id, writer);
      if (perProcess) this.processWriters.push(writer);
    }
    return writer;
  }

  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    this.shipChanges(false).then(
      () => {
        this.ticking = false;
      },
      (error: unknown) => {
        this.lastError = error;
        this.ticking = false;
      },
    );
  }

  /** Ships the writers that have changes (and with `all`, waits for the busy ones too); rejects if one failed. */
  private async shipChanges(all: boolean): Promise<void> {
    const attempts: Promise<void>[] = [];
    for (const writer of this.writers.values()) {
      if ((all && writer.busy) || writer.due) attempts.push(writer.ship());
    }
    const results = await Promise.allSettled(attempts);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }

  /** Ships every write made so far; rejects with a BackendError within the command timeout. */
  flush(): Promise<void> {
    return this.withDeadline(this.shipChanges(true), 'flushing');
  }

  readMetrics(metrics: readonly MetricDescriptor[]): Promise<BackendSample[][]> {
    const read = async () => {
      await this.shipChanges(true);
      return Promise.all(metrics.map((metric) => this.readMetric(metric)));
    };
    return this.withDeadline(read(), 'reading metrics');
  }

  private async readMetric(metric: MetricDescriptor): Promise<BackendSample[]> {
    const keys = metricKeys(this.config.keyPrefix, metric);
    const hasPart = metric.type === 'histogram' || metric.type === 'summary';
    const samples: BackendSample[] = [];
    if (metric.type === 'gauge' && metric.multiprocessMode === 'perProcess') {
      if (metric.labelNames.includes(this.config.processLabel)) throw this.processLabelClash(metric);
      const rows = await this.client.pytheusReadProcesses(keys.processes, keys.processPrefix);
      for (let i = 0; i + 1 < rows.length; i += 2) {
        const processId = rows[i] as string;
        const fields = rows[i + 1] as string[];
        const extraLabels = { [this.config.processLabel]: processId };
        for (let j = 0; j + 1 < fields.length; j += 2) {
          const parsed = parseField(fields[j]!, false);
          if (parsed)
            samples.push({
              labelValues: parsed.labelValues,
              value: decodeNumber(fields[j + 1]!),
              extraLabels,
            });
        }
      }
      return samples;
    }
    // The flat reply (field, value, field, value...): building an object of thousands of keys costs more.
    const flat = (await this.client.call('HGETALL', keys.values)) as string[];
    const seen = new Map<string, string[] | null>();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const parsed = parseField(flat[i]!, hasPart, seen);
      if (parsed === undefined) continue;
      const value = decodeNumber(flat[i + 1]!);
      samples.push(
        parsed.part === undefined
          ? { labelValues: parsed.labelValues, value }
          : { labelValues: parsed.labelValues, histogramBucket: parsed.part, value },
      );
    }
    return samples;
  }

  /** Reads one stored number (after shipping this process' writes). */
  async readField(writer: Writer, field: string): Promise<number> {
    const read = async () => {
      await this.shipChanges(true);
      const text = await this.client.hget(writer.keys.values, field);
      return text === null ? 0 : decodeNumber(text);
    };
    return this.withDeadline(read(), `reading metric "${writer.metric.name}"`);
  }

  processLabelClash(metric: MetricDescriptor): BackendError {
    return new BackendError(
      `Redis backend: per-process gauge "${metric.name}" has a label named "${this.config.processLabel}", the label the backend adds; rename the label or set "processLabel" in the config`,
    );
  }

  /** Ships everything, removes this process' per-process series, and closes the connection if it is ours. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    let failure: unknown;
    try {
      await this.flush();
      await this.withDeadline(
        Promise.all(this.processWriters.map((writer) => writer.dropProcess())),
        'removing per-process series',
      );
    } catch (error) {
      failure = error;
    }
    this.closed = true;
    if (this.ownsClient) {
      if (failure === undefined) await this.client.quit().catch(() => this.client.disconnect());
      else this.client.disconnect();
    }
    if (failure !== undefined) throw failure;
  }

  private withDeadline<T>(work: Promise<T>, doing: string): Promise<T> {
    if (this.closed) {
      work.catch(noop);
      return Promise.reject(new BackendError(`Redis backend: ${doing} failed: the backend is closed`));
    }
    const ms = this.config.commandTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const last = this.lastError instanceof Error ? ` (last error: ${this.lastError.message})` : '';
        reject(
          new BackendError(`Redis backend: ${doing} failed: Redis did not answer within ${ms} ms${last}`),
        );
      }, ms);
    });
    work.catch(noop);
    return Promise.race([work, deadline]).then(
      (value) => {
        clearTimeout(timer);
        return value;
      },
      (error: unknown) => {
        clearTimeout(timer);
        throw toBackendError(error, doing);
      },
    );
  }
}
