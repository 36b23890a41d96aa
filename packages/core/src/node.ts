import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { describeValue, InvalidArgumentError, reasonOf } from './errors.js';
import { generateMetrics } from './exposition.js';
import { acceptsGzip, negotiate } from './negotiate.js';
import { checkOptions } from './options.js';
import { type CollectorRegistry, isRegistry } from './registry.js';

const gzip = promisify(gzipCallback);

/** Options of {@link metricsHandler}. */
export interface MetricsHandlerOptions {
  /** The registry to expose; the default registry when absent. */
  registry?: CollectorRegistry;
}

/**
 * A `node:http` request handler that serves the registry's metrics: `GET` (and `HEAD`) answer 200 with the
 * exposition in the format the `Accept` header asks for (see {@link negotiate}), gzipped when `Accept-Encoding`
 * allows it; other methods answer 405, and a failed read (such as a backend that cannot be reached) 503.
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
  // Checked here, once: a bad option found at the first scrape would answer 503 to every scrape.
  checkOptions('metricsHandler', options, { known: ['registry'] });
  if (options.registry !== undefined && !isRegistry(options.registry)) {
    throw new InvalidArgumentError(
      `metricsHandler: registry must be a CollectorRegistry (or absent for the default registry), got ${describeValue(options.registry)}`,
    );
  }
  return async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      response.end('method not allowed\n');
      return;
    }
    const { format, contentType } = negotiate(request.headers.accept);
    let body: Buffer;
    try {
      body = Buffer.from(await generateMetrics(options.registry, { format }), 'utf8');
    } catch (error) {
      const reason = reasonOf(error);
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`metrics unavailable: ${reason}\n`);
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': contentType,
      vary: 'Accept, Accept-Encoding',
    };
    if (acceptsGzip(request.headers['accept-encoding'])) {
      body = await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    response.writeHead(200, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
  };
}
