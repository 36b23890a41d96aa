// A small HTTP client for the adapters' tests against real servers on 127.0.0.1: exact status, headers and body
// bytes, and a request that hangs up on purpose.
import { Agent, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

// Keep-alive, so that floods of requests reuse a few connections.
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends a request and destroys the connection once the server signals (`hungUp` resolves) that it has it. */
export function hangUp(port: number, path: string, serverHasIt: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end();
    void serverHasIt.then(() => req.destroy());
  });
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The port of a server that was told to listen, once it does. */
export async function portOf(server: Server): Promise<number> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  }
  return (server.address() as AddressInfo).port;
}

/**
 * Returns `keep(thing)`, which closes `thing` after the test that is running: a `node:http` server (its
 * connections too), or anything with an async `close()`, such as a Fastify app. Call it in a suite, not a test.
 */
export function closeAfterEach(): <T extends Server | { close(): Promise<unknown> }>(thing: T) => T {
  const kept: (Server | { close(): Promise<unknown> })[] = [];
  afterEach(async () => {
    await Promise.all(
      kept.splice(0).map((thing) => (thing instanceof Server ? close(thing) : thing.close())),
    );
  });
  return (thing) => {
    kept.push(thing);
    return thing;
  };
}
