import { hostname } from 'node:os';
import { BackendError, describeValue, isLabelName } from '@pytheus/core/backend';
import { Cluster, Redis } from 'ioredis';

/** A Redis node's address, for Sentinel and Cluster. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * The config of {@link RedisBackend}, as given to `loadBackend` or read from the JSON file that
 * `PYTHEUS_BACKEND_CONFIG` names. Connection: `client`, or `url`, or `cluster`, or `sentinels` with `name`, or
 * `host`/`port`/`db` (default 127.0.0.1:6379/0), with `username`, `password` and `tls` for the last three.
 */
export interface RedisBackendConfig {
  /** Your own ioredis `Redis` or `Cluster` connection. pytheus uses it and does not close it. */
  client?: Redis | Cluster;
  /** A connection URL: `redis://user:pass@host:6379/0`, `rediss://` for TLS. */
  url?: string;
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  /** `true`, or Node TLS options such as `{ "servername": "redis.example" }`. */
  tls?: boolean | Record<string, unknown>;
  /** Sentinel nodes; `name` is the master group's name. */
  sentinels?: RedisNode[];
  name?: string;
  /** Redis Cluster start-up nodes. */
  cluster?: RedisNode[];
  /** Put in front of every key, so that services can share a Redis. Default `pytheus:`. No braces. */
  keyPrefix?: string;
  /**
   * A metric's keys expire after this many seconds in which no process wrote to them or kept them alive: a
   * process that holds a metric refreshes its keys every third of this time. Default 3600.
   */
  expireSeconds?: number;
  /** How often buffered writes are shipped, in milliseconds. Default 1000. */
  flushIntervalMs?: number;
  /** How long a whole scrape, flush or close may take before it fails, in milliseconds. Default 2000. */
  commandTimeoutMs?: number;
  /** This process' value of the process label of per-process metrics. Default `hostname:pid`. */
  processId?: string;
  /** The name of the label that per-process metrics get. Default `process`. */
  processLabel?: string;
  /** A stopped process' per-process series disappear after this many seconds. Default 30. */
  processExpireSeconds?: number;
}

/** The config with defaults applied. */
export interface ResolvedConfig {
  readonly keyPrefix: string;
  readonly expireSeconds: number;
  readonly flushIntervalMs: number;
  readonly commandTimeoutMs: number;
  readonly processId: string;
  readonly processLabel: string;
  readonly processExpireSeconds: number;
}

const KEYS = new Set([
  'client',
  'url',
  'host',
  'port',
  'db',
  'username',
  'password',
  'tls',
  'sentinels',
  'name',
  'cluster',
  'keyPrefix',
  'expireSeconds',
  'flushIntervalMs',
  'commandTimeoutMs',
  'processId',
  'processLabel',
  'processExpireSeconds',
]);

// Keys whose values never appear in a message, only their type.
const SECRETS = new Set(['password']);

// A URL as a message may show it: the password, if any, replaced.
function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}

function fail(what: string): never {
  throw new BackendError(`RedisBackend config: ${what}`);
}

function optionalString(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  if (value !== undefined && typeof value !== 'string') {
    const got = SECRETS.has(key) ? `a ${value === null ? 'null' : typeof value}` : describeValue(value);
    fail(`"${key}" must be a string, got ${got}`);
  }
  return value;
}

function positiveNumber(
  config: Record<string, unknown>,
  key: string,
  fallback: number,
  integer = false,
): number {
  const value = config[key];
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !(value > 0) ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value))
  ) {
    fail(`"${key}" must be a positive ${integer ? 'integer' : 'number'}, got ${describeValue(value)}`);
  }
  return value;
}

function nodes(config: Record<string, unknown>, key: string): RedisNode[] | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    fail(`"${key}" must be a non-empty array of { host, port }, got ${describeValue(value)}`);
  }
  return value.map((node, i) => {
    if (typeof node !== 'object' || node === null || typeof node.host !== 'string' || !isPort(node.port)) {
      fail(
        `"${key}[${i}]" must be { host: string, port: integer from 1 to 65535 }, got ${describeValue(node)}`,
      );
    }
    return { host: node.host, port: node.port };
  });
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function isClient(value: unknown): value is Redis | Cluster {
  return value instanceof Redis || value instanceof Cluster;
}

/** Checks a config and applies the defaults; a bad config is a {@link BackendError} that names the key. */
export function resolveConfig(raw: unknown): ResolvedConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail(`expected an object, got ${describeValue(raw)}`);
  }
  const config = raw as Record<string, unknown>;
  const unknown = Object.keys(config).filter((key) => !KEYS.has(key));
  if (unknown.length > 0) {
    fail(
      `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')} (known: ${[...KEYS].join(', ')})`,
    );
  }
  const ways = ['client', 'url', 'cluster', 'sentinels'].filter((key) => config[key] !== undefined);
  if (ways.length > 1) fail(`give one of ${ways.map((key) => `"${key}"`).join(', ')}, not several`);
  if (config.client !== undefined) {
    if (!isClient(config.client)) {
      fail(`"client" must be an ioredis Redis or Cluster instance, got ${describeValue(config.client)}`);
    }
    if (config.client.options.keyPrefix) {
      fail(
        '"client" has the ioredis option keyPrefix set; leave it unset and use the "keyPrefix" key instead',
      );
    }
  }
  const url = optionalString(config, 'url');
  if (url !== undefined && !/^rediss?:\/\//.test(url)) {
    fail(`"url" must start with redis:// or rediss://, got ${JSON.stringify(redactUrl(url))}`);
  }
  optionalString(config, 'host');
  optionalString(config, 'username');
  optionalString(config, 'password');
  const port = config.port;
  if (port !== undefined && !isPort(port)) {
    fail(`"port" must be an integer from 1 to 65535, got ${describeValue(port)}`);
  }
  const db = config.db;
  if (db !== undefined && (typeof db !== 'number' || !Number.isInteger(db) || db < 0)) {
    fail(`"db" must be a non-negative integer, got ${describeValue(db)}`);
  }
  const tls = config.tls;
  if (
    tls !== undefined &&
    typeof tls !== 'boolean' &&
    (typeof tls !== 'object' || tls === null || Array.isArray(tls))
  ) {
    fail(`"tls" must be true, false or an object of TLS options, got ${describeValue(tls)}`);
  }
  nodes(config, 'cluster');
  if (nodes(config, 'sentinels') !== undefined && typeof config.name !== 'string') {
    fail('"sentinels" needs "name", the name of the master group');
  }
  optionalString(config, 'name');
  const keyPrefix = optionalString(config, 'keyPrefix') ?? 'pytheus:';
  if (/[{}]/.test(keyPrefix)) {
    fail(
      `"keyPrefix" must not contain { or } (they would change the hash slot), got ${JSON.stringify(keyPrefix)}`,
    );
  }
  const processLabel = optionalString(config, 'processLabel') ?? 'process';
  if (!isLabelName(processLabel)) {
    fail(`"processLabel" must be a valid label name, got ${JSON.stringify(processLabel)}`);
  }
  const processId = optionalString(config, 'processId') ?? `${hostname()}:${process.pid}`;
  if (processId === '') fail('"processId" must not be empty');
  return {
    keyPrefix,
    expireSeconds: positiveNumber(config, 'expireSeconds', 3600, true),
    flushIntervalMs: positiveNumber(config, 'flushIntervalMs', 1000),
    commandTimeoutMs: positiveNumber(config, 'commandTimeoutMs', 2000),
    processId,
    processLabel,
    processExpireSeconds: positiveNumber(config, 'processExpireSeconds', 30),
  };
}
