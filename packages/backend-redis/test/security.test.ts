import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runBackendConformance } from '@pytheus/backend-testkit';
import {
  BackendError,
  CollectorRegistry,
  Counter,
  closeBackend,
  flushBackend,
  Gauge,
  generateMetrics,
  loadBackend,
} from '@pytheus/core';
import { describe, expect, it } from 'vitest';
import { RedisBackend, type RedisBackendConfig } from '../src/index.js';
import { failOnEscapes, serversPerTest, uniquePrefix } from './harness.js';

failOnEscapes();
const start = serversPerTest();

/** A scrape of a counter the process just counted, as an application would do it: resolves to the text. */
async function countAndScrape(config: RedisBackendConfig): Promise<string> {
  loadBackend({ backendClass: RedisBackend, backendConfig: config });
  const registry = new CollectorRegistry();
  new Counter('logins_total', 'logins', { registry }).inc(2);
  return generateMetrics(registry);
}

const LOGINS = '# HELP logins_total logins\n# TYPE logins_total counter\nlogins_total 2\n';

describe('RedisBackend over TLS, with passwords and ACL users', () => {
  it('works over TLS with a trusted CA, and names the cause when the certificate is not trusted', async () => {
    const server = await start({ tls: true });
    const base = { host: '127.0.0.1', port: server.tlsPort!, keyPrefix: uniquePrefix('tls') };
    expect(await countAndScrape({ ...base, tls: { ca: server.ca } })).toBe(LOGINS);
    await closeBackend();
    const error = await countAndScrape({ ...base, tls: true }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(
      'Redis backend: reading metrics failed: TLS: self-signed certificate in certificate chain',
    );
  });

  it('says what is wrong when a plain client meets a TLS port, or a TLS client a plain one', async () => {
    const server = await start({ tls: true });
    await expect(
      countAndScrape({ host: '127.0.0.1', port: server.tlsPort!, keyPrefix: uniquePrefix('plain') }),
    ).rejects.toThrow(
      /^Redis backend: reading metrics failed: the connection was reset by the server \(.*ECONNRESET\); if the port speaks TLS, use rediss:\/\/ or "tls"$/,
    );
    await closeBackend().catch(() => {});
    await expect(
      countAndScrape({
        host: '127.0.0.1',
        port: server.port,
        tls: { ca: server.ca },
        keyPrefix: uniquePrefix('tls-on-plain'),
        commandTimeoutMs: 500,
      }),
    ).rejects.toThrow(
      'Redis backend: reading metrics failed: Redis did not answer within 500 ms (the connection is not ready: connecting; a port that does not speak TLS never finishes the handshake)',
    );
  });

  it('names a wrong password, a missing one, and a refused connection', async () => {
    const server = await start({ password: 'sesame' });
    const base = { host: '127.0.0.1', port: server.port, keyPrefix: uniquePrefix('auth') };
    await expect(countAndScrape({ ...base, password: 'wrong' })).rejects.toThrow(
      'Redis backend: reading metrics failed: authentication failed: WRONGPASS invalid username-password pair or user is disabled.',
    );
    await closeBackend().catch(() => {});
    await expect(countAndScrape(base)).rejects.toThrow(
      'Redis backend: reading metrics failed: authentication failed: NOAUTH Authentication required.',
    );
    await closeBackend().catch(() => {});
    expect(await countAndScrape({ ...base, password: 'sesame' })).toBe(LOGINS);
    await closeBackend();
    const closed = await start();
    const port = closed.port;
    await closed.stop();
    await expect(countAndScrape({ ...base, port })).rejects.toThrow(
      `Redis backend: reading metrics failed: connection refused 127.0.0.1:${port}`,
    );
  });

  it('works for an ACL user with exactly the rules the README lists', async () => {
    const server = await start();
    // The rules, as the README gives them, for keys under "acl:".
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const line = readme.match(/^ACL SETUSER pytheus .*$/m)?.[0];
    expect(line, 'the README has an "ACL SETUSER pytheus ..." line').toBeDefined();
    const rules = line!
      .replace(/^ACL SETUSER pytheus /, '')
      .replace('>PASSWORD', '>metrics-password')
      .replace('~pytheus:*', '~acl:*')
      .split(' ');
    const admin = server.admin();
    try {
      expect(await admin.call('ACL', 'SETUSER', 'pytheus', ...rules)).toBe('OK');
    } finally {
      admin.disconnect();
    }
    const user = { url: server.url, username: 'pytheus', password: 'metrics-password' };

    // Every check of the conformance kit, and the parts the kit does not cover: per-process gauges, a loss.
    const results = await runBackendConformance<RedisBackendConfig>({
      name: 'RedisBackend as an ACL user',
      load: ({ namespace }) => ({
        backendClass: RedisBackend,
        backendConfig: { ...user, keyPrefix: `acl:${namespace}:` },
      }),
      multiProcess: true,
    });
    expect(results.filter((result) => !result.passed).map(({ id, error }) => `${id}: ${error}`)).toEqual([]);

    const config: RedisBackendConfig = { ...user, keyPrefix: 'acl:own:', flushIntervalMs: 50 };
    loadBackend({ backendClass: RedisBackend, backendConfig: config });
    const registry = new CollectorRegistry();
    new Gauge('memory_bytes', 'rss', { registry, multiprocessMode: 'perProcess' }).set(1024);
    const inFlight = new Gauge('in_flight', 'in flight', { registry });
    inFlight.inc(3);
    await flushBackend();
    const flusher = server.admin();
    try {
      await flusher.flushall();
    } finally {
      flusher.disconnect();
    }
    let text = '';
    for (let i = 0; i < 60 && !text.includes('\nin_flight 3\n'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = await generateMetrics(registry);
    }
    expect(text).toContain('\nin_flight 3\n');
    expect(text).toContain(`\nmemory_bytes{process="${hostname()}:${process.pid}"} 1024\n`);
    await closeBackend();
  });
});
