import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTENT_TYPES, generateMetrics } from './exposition.js';
import type { CollectorRegistry } from './registry.js';

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions {
  /** The registry to expose; the default registry when absent. */
  registry?: CollectorRegistry;
}

/**
 * A `node:http` request handler that serves the registry's metrics: `GET` (and `HEAD`) answer 200 with the
 * exposition, other methods 405, and a failed read (such as a backend that cannot be reached) 503.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { metricsHandler } from '@pytheus/core/node';
 *
 * createServer(metricsHandler()).listen(9464);
 * ```
 */
export function metricsHandler(
  options: MetricsHandlerOptions = {},
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      response.end('method not allowed\n');
      return;
    }
    let body: string;
    try {
      body = await generateMetrics(options.registry);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`metrics unavailable: ${reason}\n`);
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES.prometheus,
      'content-length': Buffer.byteLength(body),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
}
