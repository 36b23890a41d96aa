import type { Backend, BackendSample, MetricDescriptor, SeriesDescriptor } from '@pytheus/core/backend';
import { connect, type RedisBackendConfig, resolveConfig } from './config.js';
import { fieldOf } from './keys.js';
import { type Cell, State, type Writer } from './state.js';

// One State per config object: core hands every instance the object that was given to loadBackend.
const states = new WeakMap<object, State>();

// After close, instances keep the closed state (their writes go nowhere) rather than reconnecting behind the
// user's back; initialize() opens a new connection on purpose.
function stateFor(config: RedisBackendConfig, reopen = false): State {
  let state = states.get(config);
  if (state === undefined || (reopen && state.closed)) {
    const resolved = resolveConfig(config);
    const { client, owned } = connect(config, resolved);
    state = new State(resolved, client, owned);
    states.set(config, state);
  }
  return state;
}

/**
 * The multi-process backend: every process that loads it with the same Redis and key prefix counts into the
 * same numbers. Writes stay synchronous and cheap: they add up in this process and are shipped to Redis in
 * batches every `flushIntervalMs` and before every scrape this process serves.
 *
 * @example
 * ```ts
 * import { closeBackend, loadBackend } from '@pytheus/core';
 * import { RedisBackend } from '@pytheus/backend-redis';
 *
 * loadBackend({ backendClass: RedisBackend, backendConfig: { url: 'redis://127.0.0.1:6379', keyPrefix: 'shop:' } });
 * process.on('SIGTERM', async () => { await closeBackend(); process.exit(0); }); // ship the last writes
 * ```
 */
export class RedisBackend implements Backend, Cell {
  delta = 0;
  isSet = false;
  fresh = true;
  readonly field!: string;
  private readonly writer!: Writer;

  constructor(config: RedisBackendConfig, series: SeriesDescriptor, histogramBucket?: string) {
    const state = stateFor(config);
    const writer = state.writerFor(series.metric);
    const field = fieldOf(series.labelValues, histogramBucket);
    if (writer.perProcess && series.metric.labelNames.includes(state.config.processLabel)) {
      throw state.processLabelClash(series.metric);
    }
    // One stored number is one instance: a metric built again (a custom collector does so on every scrape) or
    // exposed by two registries under the same name shares the instance, so no write is lost or kept twice.
    const existing = writer.cellFor(field);
    // biome-ignore lint/correctness/noConstructorReturn: sharing the instance of a field is the point.
    if (existing !== undefined) return existing as RedisBackend;
    this.field = field;
    this.writer = writer;
    writer.add(this);
  }

  // Writes only change this instance's numbers; the flush timer and scrapes look for what changed.
  inc(value: number): void {
    this.delta += value;
  }

  dec(value: number): void {
    this.delta -= value;
  }

  set(value: number): void {
    // A set followed by incs before the next flush ships as one set of the sum.
    this.delta = value;
    this.isSet = true;
  }

  /** Per-process gauges read this process' value; everything else reads Redis, after shipping pending writes. */
  get(): number | Promise<number> {
    if (this.writer.perProcess) return this.delta;
    return this.writer.state.readField(this.writer, this.field);
  }

  /** Connects and checks the config; a bad config throws a BackendError that names the key. */
  static initialize(config: RedisBackendConfig): void {
    stateFor(config, true);
  }

  /** Reads every series of `metrics` (from all processes) after shipping this process' writes. */
  static readMetrics(
    config: RedisBackendConfig,
    metrics: readonly MetricDescriptor[],
  ): Promise<BackendSample[][]> {
    return stateFor(config).readMetrics(metrics);
  }

  /** Ships every buffered write; rejects with a BackendError if Redis does not take them in time. */
  static flush(config: RedisBackendConfig): Promise<void> {
    const state = states.get(config);
    return state === undefined ? Promise.resolve() : state.flush();
  }

  /**
   * Ships every buffered write, removes this process' per-process gauge series and closes the connection (unless
   * it was your own `client`). Rejects with a BackendError if the writes could not be shipped.
   */
  static close(config: RedisBackendConfig): Promise<void> {
    const state = states.get(config);
    return state === undefined ? Promise.resolve() : state.close();
  }
}
