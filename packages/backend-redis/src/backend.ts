import type {
  BackendSample,
  LocalBackendClass,
  LocalNumbers,
  LocalNumbersHooks,
  MetricDescriptor,
} from '@pytheus/core/backend';
import { type RedisBackendConfig, resolveConfig } from './config.js';
import { Load } from './load.js';

// One Load per config object: core hands every attach the object that was given to loadBackend.
const loads = new WeakMap<object, Load>();

// After close, metrics attached before keep the closed load (their numbers stay in the process) rather than
// reconnecting behind the user's back; initialize() opens a new one on purpose.
function loadFor(config: RedisBackendConfig, reopen = false): Load {
  let load = loads.get(config);
  if (load === undefined || (reopen && load.closed)) {
    load = new Load(config, resolveConfig(config));
    loads.set(config, load);
  }
  return load;
}

/**
 * The multi-process backend: every process that loads it with the same Redis and key prefix counts into the
 * same numbers. Writes stay as cheap as in memory (core keeps this process' numbers, a write is one add); the
 * backend ships what changed every `flushIntervalMs` and before every scrape this process serves.
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
export class RedisBackend {
  /** Checks the config and connects in the background; a bad config throws a BackendError that names the key. */
  static initialize(config: RedisBackendConfig): void {
    loadFor(config, true);
  }

  /** Called by core once per metric at its first use: the metric's numbers of this process, to ship. */
  static attach(config: RedisBackendConfig, numbers: LocalNumbers): LocalNumbersHooks | undefined {
    return loadFor(config).attach(numbers);
  }

  /** Reads every series of `metrics` (from all processes) after shipping this process' writes of them. */
  static readMetrics(
    config: RedisBackendConfig,
    metrics: readonly MetricDescriptor[],
  ): Promise<BackendSample[][]> {
    return loadFor(config).readMetrics(metrics);
  }

  /** Ships every buffered write; rejects with a BackendError if Redis does not take them in time. */
  static flush(config: RedisBackendConfig): Promise<void> {
    return loads.get(config)?.flush() ?? Promise.resolve();
  }

  /**
   * Ships every buffered write, removes this process' per-process series and closes the connection (unless
   * it was your own `client`). Rejects with a BackendError if the writes could not be shipped.
   */
  static close(config: RedisBackendConfig): Promise<void> {
    return loads.get(config)?.close() ?? Promise.resolve();
  }
}

RedisBackend satisfies LocalBackendClass<RedisBackendConfig>;
