import { BackendError } from '@pytheus/core/backend';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisBackendConfig, ResolvedConfig } from './config.js';
import { APPLY_BATCH, DROP_PROCESS, EPOCH, FORGET_PROCESSES, WRITE_PROCESS } from './scripts.js';

/** The scripts, as ioredis defines them on the client. */
interface Scripts {
  pytheusApplyBatch(values: string, writers: string, ...args: string[]): Promise<[number, string]>;
  pytheusWriteProcess(processes: string, hash: string, ...args: string[]): Promise<number>;
  pytheusForgetProcesses(processes: string, ...args: string[]): Promise<number>;
  pytheusDropProcess(processes: string, hash: string, id: string): Promise<number>;
  pytheusEpoch(key: string, fresh: string, expireSeconds: string): Promise<string>;
}

export type Client = (Redis | Cluster) & Scripts;

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/;

/**
 * What went wrong with a connection, in words a user can act on: `TLS: self-signed certificate in certificate
 * chain`, `authentication failed: WRONGPASS ...`, `connection refused 127.0.0.1:6390`.
 */
export function describeConnectionError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, address, port } = error as Error & { code?: string; address?: string; port?: number };
  const message = error.message;
  if (typeof code === 'string' && TLS_CODES.test(code)) return `TLS: ${message}`;
  if (/^(WRONGPASS|NOAUTH)\b|invalid password|invalid username-password/i.test(message)) {
    return `authentication failed: ${message}`;
  }
  if (code === 'ECONNREFUSED')
    return `connection refused ${address ?? ''}${port === undefined ? '' : `:${port}`}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found: ${message}`;
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return `the connection was reset by the server (${message}); if the port speaks TLS, use rediss:// or "tls"`;
  }
  if (/wrong version number|packet length too long|unknown protocol/i.test(message)) {
    return `TLS: ${message} (is the port a plain, non-TLS one?)`;
  }
  return message;
}

// Messages ioredis gives a command that it gave up on because the connection failed; the connection's own error
// says more.
const GAVE_UP = /max retries per request|Connection is closed|Stream isn't writeable|enableOfflineQueue/i;

/**
 * The connection of one load: the client (ours, or the user's), the scripts defined on it, and the last error
 * the connection reported, so that a failed flush or scrape can say why.
 */
export class Connection {
  readonly client: Client;
  /** Whether pytheus opened the client (and closes it). */
  readonly owned: boolean;
  private readonly tls: boolean;
  /** What the connection reported last, until it is ready again. */
  private lastError: unknown = undefined;
  private wasReady = false;

  constructor(
    raw: RedisBackendConfig,
    resolved: ResolvedConfig,
    /** Called when the connection is ready again after it was lost: Redis may have restarted empty. */
    onReconnect: () => void,
  ) {
    this.owned = raw.client === undefined;
    const client = (raw.client ?? open(raw, resolved)) as Client;
    if (typeof client.pytheusApplyBatch !== 'function') {
      client.defineCommand('pytheusApplyBatch', { numberOfKeys: 2, lua: APPLY_BATCH });
      client.defineCommand('pytheusWriteProcess', { numberOfKeys: 2, lua: WRITE_PROCESS });
      client.defineCommand('pytheusForgetProcesses', { numberOfKeys: 1, lua: FORGET_PROCESSES });
      client.defineCommand('pytheusDropProcess', { numberOfKeys: 2, lua: DROP_PROCESS });
      client.defineCommand('pytheusEpoch', { numberOfKeys: 1, lua: EPOCH });
    }
    this.client = client;
    const options = client instanceof Cluster ? client.options.redisOptions : client.options;
    this.tls = options?.tls !== undefined;
    // Our own connection reports errors here rather than as 'error' events nobody listens to; a user's client
    // keeps its events as they are (we add no 'error' listener to it), and its errors reach us as rejections.
    if (this.owned) {
      const remember = (error: unknown) => {
        // ioredis also emits its giving up on a command; the cause is the error before.
        if (!(error instanceof Error && GAVE_UP.test(error.message))) this.lastError = error;
      };
      client.on('error', remember);
      if (client instanceof Cluster) client.on('node error', remember);
    }
    client.on('ready', () => {
      this.lastError = undefined;
      if (this.wasReady) onReconnect();
      this.wasReady = true;
    });
  }

  /** A failed command as a BackendError: `Redis backend: <doing> failed: <why>`. */
  failure(error: unknown, doing: string): BackendError {
    if (error instanceof BackendError) return error;
    let reason = error instanceof Error ? error.message : String(error);
    if (this.lastError !== undefined && (reason === '' || GAVE_UP.test(reason))) {
      reason = describeConnectionError(this.lastError);
    } else {
      reason = describeConnectionError(error);
    }
    return new BackendError(`Redis backend: ${doing} failed: ${reason}`, { cause: error });
  }

  /** What the connection reported last, described; or how far it got, while it is not ready; or undefined. */
  get trouble(): string | undefined {
    if (this.lastError !== undefined) return describeConnectionError(this.lastError);
    const status = this.client.status;
    if (status === 'ready') return undefined;
    const hint =
      this.tls && status === 'connecting'
        ? '; a port that does not speak TLS never finishes the handshake'
        : '';
    return `the connection is not ready: ${status}${hint}`;
  }

  /** Closes our own client (politely when `clean`); a user's client stays open. */
  async close(clean: boolean): Promise<void> {
    if (!this.owned) return;
    if (clean) {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through: drop it
      }
    }
    this.client.disconnect();
  }
}

/** Opens the connection that a (checked) config describes. */
function open(raw: RedisBackendConfig, resolved: ResolvedConfig): Redis | Cluster {
  const options: RedisOptions = {
    // Bounded waits: a command fails after the timeout or after one reconnection attempt; pytheus keeps the
    // numbers and ships them again on the next flush.
    commandTimeout: resolved.commandTimeoutMs,
    connectTimeout: resolved.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    connectionName: `pytheus:${resolved.processId.replace(/[^\w.:-]/g, '_')}`,
  };
  if (raw.username !== undefined) options.username = raw.username;
  if (raw.password !== undefined) options.password = raw.password;
  if (raw.tls === true) options.tls = {};
  else if (typeof raw.tls === 'object') options.tls = raw.tls;
  if (raw.cluster !== undefined) {
    const { commandTimeout, maxRetriesPerRequest, enableAutoPipelining, ...redisOptions } = options;
    return new Cluster(raw.cluster, {
      redisOptions: { ...redisOptions, commandTimeout, maxRetriesPerRequest },
      enableAutoPipelining,
    });
  }
  if (raw.url !== undefined) return new Redis(raw.url, options);
  if (raw.sentinels !== undefined) {
    return new Redis({ ...options, sentinels: raw.sentinels, name: raw.name!, db: raw.db ?? 0 });
  }
  return new Redis({ ...options, host: raw.host ?? '127.0.0.1', port: raw.port ?? 6379, db: raw.db ?? 0 });
}
