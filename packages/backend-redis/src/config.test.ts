import { hostname } from 'node:os';
import { BackendError, loadBackend } from '@pytheus/core';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { RedisBackend } from './index.js';

describe('RedisBackend config', () => {
  it('applies the defaults', () => {
    const config = resolveConfig({});
    expect(config).toMatchObject({
      keyPrefix: 'pytheus:',
      expireSeconds: 3600,
      flushIntervalMs: 1000,
      commandTimeoutMs: 2000,
      processLabel: 'process',
      processExpireSeconds: 30,
    });
    expect(config.processId).toBe(`${hostname()}:${process.pid}`);
  });

  it.each([
    [{ hots: 'x' }, 'RedisBackend config: unknown key "hots" (known: client, url, host,'],
    [{ port: '6379' }, 'RedisBackend config: "port" must be an integer from 1 to 65535, got "6379"'],
    [{ port: 70000 }, 'RedisBackend config: "port" must be an integer from 1 to 65535, got number 70000'],
    [{ port: 0 }, 'RedisBackend config: "port" must be an integer from 1 to 65535, got number 0'],
    [{ port: 6379.5 }, 'RedisBackend config: "port" must be an integer from 1 to 65535, got number 6379.5'],
    [{ db: -1 }, 'RedisBackend config: "db" must be a non-negative integer, got number -1'],
    [{ url: 'http://x' }, 'RedisBackend config: "url" must start with redis:// or rediss://, got "http://x"'],
    [
      { url: 'http://user:hunter2@x' },
      'RedisBackend config: "url" must start with redis:// or rediss://, got "http://user:***@x"',
    ],
    [{ password: 1234 }, 'RedisBackend config: "password" must be a string, got a number'],
    [
      { url: 'redis://a', cluster: [{ host: 'a', port: 1 }] },
      'RedisBackend config: give one of "url", "cluster", not several',
    ],
    [
      { cluster: [] },
      'RedisBackend config: "cluster" must be a non-empty array of { host, port }, got an array',
    ],
    [
      { sentinels: [{ host: 'a', port: 1 }] },
      'RedisBackend config: "sentinels" needs "name", the name of the master group',
    ],
    [
      { cluster: [{ host: 'a', port: 99999 }] },
      'RedisBackend config: "cluster[0]" must be { host: string, port: integer from 1 to 65535 }, got an object',
    ],
    [
      { keyPrefix: 'a{b}' },
      'RedisBackend config: "keyPrefix" must not contain { or } (they would change the hash slot), got "a{b}"',
    ],
    [{ expireSeconds: 0 }, 'RedisBackend config: "expireSeconds" must be a positive integer, got number 0'],
    [
      { flushIntervalMs: Number.NaN },
      'RedisBackend config: "flushIntervalMs" must be a positive number, got number NaN',
    ],
    [{ tls: 'yes' }, 'RedisBackend config: "tls" must be true, false or an object of TLS options, got "yes"'],
    [{ processLabel: 'le-1' }, 'RedisBackend config: "processLabel" must be a valid label name, got "le-1"'],
    [
      { client: { host: 'x' } },
      'RedisBackend config: "client" must be an ioredis Redis or Cluster instance, got an object',
    ],
  ])('rejects %j with a BackendError that names the key', (config, message) => {
    let thrown: unknown;
    try {
      loadBackend({ backendClass: RedisBackend, backendConfig: config as never });
    } catch (error) {
      thrown = error;
    }
    // Secrets never show in a message.
    expect((thrown as Error).message).not.toMatch(/hunter2|1234/);
    expect(() => loadBackend({ backendClass: RedisBackend, backendConfig: config as never })).toThrow(
      BackendError,
    );
    expect(() => loadBackend({ backendClass: RedisBackend, backendConfig: config as never })).toThrow(
      message,
    );
  });
});
