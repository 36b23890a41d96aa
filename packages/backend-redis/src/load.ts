import { randomBytes } from 'node:crypto';
import {
  BackendError,
  type BackendSample,
  type LocalNumbers,
  type LocalNumbersHooks,
  type MetricDescriptor,
} from '@pytheus/core/backend';
import type { RedisBackendConfig, ResolvedConfig } from './config.js';
import { Connection } from './connection.js';
import { Deadline } from './deadline.js';
import { epochKey, type MetricKeys, metricKeys } from './keys.js';
import { readPerProcess, readShared } from './reader.js';
import { ProcessWriter, Writer } from './writer.js';

type AnyWriter = Writer | ProcessWriter;

/** How a metric is stored: its keys, and whether it is a per-process gauge (a series per process). */
interface Plan {
  readonly keys: MetricKeys;
  readonly perProcess: boolean;
}

// The `le` of a bucket bound as exposed, per the contract (`0.25`, `1.0`, `+Inf`): only for reading a histogram
// that no metric of this process is attached to (a direct call of readMetrics); attached metrics give their parts.
function bucketPart(bound: number): string {
  if (bound === Number.POSITIVE_INFINITY) return '+Inf';
  const text = String(bound);
  return Number.isInteger(bound) && !text.includes('e') ? `${text}.0` : text;
}

/**
 * What one `loadBackend` call (one config object) owns: the connection, a writer per attached metric, and the
 * flush timer. It is the process' side of the shared numbers.
 */
export class Load {
  /** This load's id: its writers are `<id>.<n>`. */
  readonly id = randomBytes(9).toString('base64url');
  readonly connection: Connection;
  private readonly writers: AnyWriter[] = [];
  /** Writers by values key: a scrape ships the writers of the metrics it reads. */
  private readonly byKey = new Map<string, { writers: AnyWriter[]; parts: readonly string[] | undefined }>();
  private readonly timer: ReturnType<typeof setInterval>;
  private ticking = false;
  private epoch: string | undefined = undefined;
  closed = false;

  constructor(
    raw: RedisBackendConfig,
    readonly config: ResolvedConfig,
  ) {
    this.connection = new Connection(raw, config, () => this.checkAll());
    this.timer = setInterval(() => this.tick(), config.flushIntervalMs);
    this.timer.unref?.();
  }

  /** The one place that decides how a metric is stored, and refuses a per-process gauge with the process label. */
  private plan(metric: MetricDescriptor): Plan {
    const perProcess = metric.multiprocessMode === 'perProcess';
    if (perProcess && metric.labelNames.includes(this.config.processLabel)) {
      throw new BackendError(
        `Redis backend: per-process ${metric.type} "${metric.name}" has a label named "${this.config.processLabel}", the label the backend adds; rename the label or set "processLabel" in the config`,
      );
    }
    return { keys: metricKeys(this.config.keyPrefix, metric), perProcess };
  }

  attach(numbers: LocalNumbers): LocalNumbersHooks | undefined {
    const { keys, perProcess } = this.plan(numbers.metric);
    const writer = perProcess
      ? new ProcessWriter(this, numbers, keys)
      : new Writer(this, numbers, keys, `${this.id}.${this.writers.length}`);
    this.writers.push(writer);
    let entry = this.byKey.get(keys.values);
    if (entry === undefined) this.byKey.set(keys.values, (entry = { writers: [], parts: numbers.parts }));
    entry.writers.push(writer);
    return writer.hooks;
  }

  /** Every writer makes sure, at its next flush, that Redis still has what it sent. */
  private checkAll(): void {
    for (const writer of this.writers) writer.check();
  }

  private tick(): void {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    const epoch = this.epoch === undefined ? undefined : this.watchEpoch();
    Promise.all([epoch, this.ship(this.writers, false)]).then(
      () => {
        this.ticking = false;
      },
      () => {
        // Kept: the next tick tries again, and the next flush or scrape reports the error.
        this.ticking = false;
      },
    );
  }

  /**
   * The epoch key holds the same value as long as the database keeps its data: when it changes (Redis restarted
   * empty, or was flushed), every writer checks its metric, even one that has nothing new to send.
   */
  private async watchEpoch(): Promise<void> {
    if (this.writers.length === 0) return;
    const epoch = await this.connection.client.pytheusEpoch(
      epochKey(this.config.keyPrefix),
      `${this.id}.${Date.now()}`,
      String(this.config.expireSeconds),
    );
    if (this.epoch !== undefined && epoch !== this.epoch) this.checkAll();
    this.epoch = epoch;
  }

  /** Ships the writers that have something to send (with `all`, waits for busy ones too); rejects if one failed. */
  private async ship(writers: readonly AnyWriter[], all: boolean): Promise<void> {
    const due = writers.filter((writer) => (all && writer.busy) || writer.due);
    if (due.length === 0) return;
    // The epoch is read before the first write, so that a loss after any write shows as a change of it.
    if (this.epoch === undefined) await this.watchEpoch();
    const results = await Promise.allSettled(due.map((writer) => writer.ship()));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }

  private deadline(doing: string): Deadline {
    const ms = this.config.commandTimeoutMs;
    return new Deadline(ms, () => {
      const trouble = this.connection.trouble;
      return new BackendError(
        `Redis backend: ${doing} failed: Redis did not answer within ${ms} ms${trouble === undefined ? '' : ` (${trouble})`}`,
      );
    });
  }

  private closedError(doing: string): Promise<never> {
    return Promise.reject(new BackendError(`Redis backend: ${doing} failed: the backend is closed`));
  }

  /** Ships every write made so far; rejects with a BackendError within `commandTimeoutMs`. */
  flush(): Promise<void> {
    if (this.closed) return this.closedError('flushing');
    return this.deadline('flushing').race(this.ship(this.writers, true));
  }

  /** Reads every series of `metrics` (all processes'), after shipping this process' writes of them. */
  readMetrics(metrics: readonly MetricDescriptor[]): Promise<BackendSample[][]> {
    if (this.closed) return this.closedError('reading metrics');
    const deadline = this.deadline('reading metrics');
    const read = async () => {
      const plans = metrics.map((metric) => this.plan(metric));
      const writers = plans.flatMap((plan) => this.byKey.get(plan.keys.values)?.writers ?? []);
      await this.ship(writers, true);
      deadline.check();
      const { client } = this.connection;
      return Promise.all(
        plans.map(({ keys, perProcess }, i) => {
          const metric = metrics[i]!;
          let parts = this.byKey.get(keys.values)?.parts;
          if (parts === undefined && metric.type === 'histogram') {
            parts = [...(metric.buckets ?? []).map(bucketPart), 'sum'];
          } else if (parts === undefined && metric.type === 'summary') {
            parts = ['count', 'sum'];
          }
          const read = { client, keys, parts, labelCount: metric.labelNames.length, deadline };
          return perProcess ? readPerProcess(read, this.config.processLabel) : readShared(read);
        }),
      );
    };
    return deadline.race(read()).catch((error: unknown) => {
      throw this.connection.failure(error, 'reading metrics');
    });
  }

  /** Ships everything, removes this process' per-process series, and closes the connection if it is ours. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    const deadline = this.deadline('closing');
    let failure: unknown;
    try {
      await deadline.race(
        (async () => {
          await this.ship(this.writers, true);
          deadline.check();
          await Promise.all(
            this.writers.map((writer) => (writer instanceof ProcessWriter ? writer.drop() : undefined)),
          );
        })(),
      );
    } catch (error) {
      failure = this.connection.failure(error, 'closing');
    }
    this.closed = true;
    await this.connection.close(failure === undefined);
    if (failure !== undefined) throw failure;
  }
}
