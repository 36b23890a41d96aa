import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@pytheus/backend-memory';
import { BackendError, CollectorRegistry, closeBackend, loadBackend } from '@pytheus/core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';

// Test harness: real redis-server processes on free loopback ports with temporary directories. It never uses
// the default port 6379. REDIS_URL points the plain tests at a server of your own instead (each test uses its own
// key prefix); the fault and cluster tests always start their own servers.

const HOW_TO_GET_REDIS =
  'these tests need a real Redis: install redis-server (Debian/Ubuntu: apt-get install redis-server) so that ' +
  '`redis-server` and `redis-cli` are on PATH, or set REDIS_URL=redis://host:port to a server the tests may write to';

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free loopback port other than 6379; with `clusterBus`, port + 10000 is free too. */
async function freePort(clusterBus = false): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (port === 6379) continue;
    if ((await portIsFree(port)) && (!clusterBus || (await portIsFree(port + 10000)))) return port;
  }
  throw new Error('no free loopback port found for redis-server');
}

interface ServerOptions {
  appendonly?: boolean;
  cluster?: boolean;
  /** Also listen on a TLS port (certificates made for the test, see {@link makeCertificates}). */
  tls?: boolean;
  /** `requirepass`: the default user's password. */
  password?: string;
}

/** A test CA and a certificate it signed for 127.0.0.1 and localhost, in `dir` (openssl, elliptic-curve keys). */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...key,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=pytheus test CA',
  );
  openssl('req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.cnf',
  );
}

/** A redis-server process that the harness started. */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
    private readonly readyText = 'Ready to accept connections',
  ) {}

  /** A Sentinel that watches the master on `masterPort` under the name `name`. */
  static async startSentinel(masterPort: number, name: string): Promise<RedisServer> {
    if (!hasRedisServer()) throw new Error(HOW_TO_GET_REDIS);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'pytheus-sentinel-'));
    const file = join(dir, 'sentinel.conf');
    writeFileSync(
      file,
      `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${name} 127.0.0.1 ${masterPort} 1\n`,
    );
    const server = new RedisServer(port, dir, [file, '--sentinel'], '+monitor master');
    await server.run();
    return server;
  }

  static async start(options: ServerOptions = {}): Promise<RedisServer> {
    if (!hasRedisServer()) throw new Error(HOW_TO_GET_REDIS);
    const port = await freePort(options.cluster);
    const dir = mkdtempSync(join(tmpdir(), 'pytheus-redis-'));
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--daemonize',
      'no',
    ];
    args.push('--enable-debug-command', 'local');
    if (options.appendonly) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    if (options.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf');
    if (options.password !== undefined) args.push('--requirepass', options.password);
    let tlsPort: number | undefined;
    if (options.tls) {
      tlsPort = await freePort();
      makeCertificates(dir);
      args.push(
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        join(dir, 'server.crt'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        join(dir, 'ca.crt'),
        '--tls-auth-clients',
        'no',
      );
    }
    const server = new RedisServer(port, dir, args);
    server.tlsPort = tlsPort;
    server.password = options.password;
    await server.run();
    return server;
  }

  /** With `tls`: the port that speaks TLS, with a certificate signed by {@link RedisServer.ca}. */
  tlsPort: number | undefined = undefined;
  password: string | undefined = undefined;

  /** With `tls`: the certificate of the test CA that signed the server's, in PEM. */
  get ca(): string {
    return readFileSync(join(this.dir, 'ca.crt'), 'utf8');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server process (again, after stop: same port, same directory, so persisted data comes back). */
  async run(): Promise<void> {
    const child = spawn('redis-server', this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(this.readyText)) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code) =>
        reject(new Error(`redis-server exited with ${code} on start:\n${output}`)),
      );
    });
  }

  /** Stops the server; a graceful stop writes the append-only file first. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  /** A separate admin connection, for CLIENT KILL, DEBUG SLEEP, SHUTDOWN and looking at keys. */
  admin(): Redis {
    return new Redis({
      host: '127.0.0.1',
      port: this.port,
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      ...(this.password === undefined ? {} : { password: this.password }),
    });
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Redis the plain tests may use: REDIS_URL if set, else a harness-started server. */
export async function plainRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const server = await RedisServer.start();
  return { url: server.url, stop: () => server.remove() };
}

/** A Redis Cluster of three masters on loopback ports. */
export class RedisCluster {
  private constructor(readonly servers: RedisServer[]) {}

  static async start(): Promise<RedisCluster> {
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < 3; i++) servers.push(await RedisServer.start({ cluster: true }));
      execFileSync(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...servers.map((s) => `127.0.0.1:${s.port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { stdio: 'pipe' },
      );
      // Wait until every node agrees that the cluster is up.
      for (const server of servers) {
        const admin = server.admin();
        try {
          for (let i = 0; i < 200; i++) {
            const info = await admin.cluster('INFO');
            if (String(info).includes('cluster_state:ok')) break;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        } finally {
          admin.disconnect();
        }
      }
    } catch (error) {
      await Promise.all(servers.map((server) => server.remove()));
      throw error;
    }
    return new RedisCluster(servers);
  }

  get nodes(): { host: string; port: number }[] {
    return this.servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
  }

  async remove(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.remove()));
  }
}

let prefixes = 0;
/** A key prefix no other test uses, so tests that share a Redis never see each other's keys. */
export function uniquePrefix(name: string): string {
  prefixes++;
  return `t${process.pid}-${Date.now().toString(36)}-${prefixes}-${name}:`;
}

/**
 * Fails every test of the file during which anything escaped as an uncaught exception or an unhandled rejection:
 * a metrics library must never be what takes its process down.
 */
export function failOnEscapes(): void {
  const escaped: unknown[] = [];
  const onEscape = (error: unknown) => {
    escaped.push(error);
  };
  beforeAll(() => {
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
  });
  afterEach(() => {
    expect(escaped.splice(0), 'uncaught exceptions and unhandled rejections').toEqual([]);
  });
  afterAll(() => {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
  });
}

/**
 * Returns `start(options)`, which starts a server for the running test; after each test the backend is closed,
 * the memory backend loaded again, and the test's servers removed.
 */
export function serversPerTest(): (options?: ServerOptions) => Promise<RedisServer> {
  const servers: RedisServer[] = [];
  afterEach(async () => {
    await closeBackend().catch(() => {});
    loadBackend({ backendClass: MemoryBackend });
    await Promise.all(servers.splice(0).map((server) => server.remove()));
  });
  return async (options = {}) => {
    const server = await RedisServer.start(options);
    servers.push(server);
    return server;
  };
}

/**
 * Runs `use` with `other` loaded, so that the metrics it creates and writes to bind to `other`: a second load of
 * the same Redis, an independent writer as another process would be. Then loads `config` again.
 */
export function asAnotherProcess(
  config: RedisBackendConfig,
  other: RedisBackendConfig,
  use: (registry: CollectorRegistry) => void,
): CollectorRegistry {
  const registry = new CollectorRegistry();
  loadBackend({ backendClass: RedisBackend, backendConfig: other });
  try {
    use(registry);
  } finally {
    loadBackend({ backendClass: RedisBackend, backendConfig: config });
  }
  return registry;
}

/** Loads the Redis backend on `server`, with a key prefix of its own and `extra`; returns the config. */
export function useRedis(
  server: RedisServer,
  name: string,
  extra: Partial<RedisBackendConfig> = {},
): RedisBackendConfig {
  const config: RedisBackendConfig = { url: server.url, keyPrefix: uniquePrefix(name), ...extra };
  loadBackend({ backendClass: RedisBackend, backendConfig: config });
  return config;
}

/** Calls `op` until it resolves, while Redis comes back (the client reconnects with a back-off); ~10 s at most. */
export async function whenBack<T>(op: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      return await op();
    } catch (error) {
      expect(error).toBeInstanceOf(BackendError);
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw last;
}
