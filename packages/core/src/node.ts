import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeValue, InvalidArgumentError } from './errors.js';
import { answerScrape, type EndpointOptions } from './http/endpoint.js';
import { checkOptions } from './options.js';
import { type CollectorRegistry, getDefaultRegistry, isRegistry } from './registry.js';

/** Options of {@link metricsHandler}: the registry, and those of the metrics endpoint of every adapter. */
export interface MetricsHandlerOptions extends EndpointOptions {
  /** The registry to expose; the default registry when absent. */
  registry?: CollectorRegistry;
}

/**
 * A `node:http` request handler that serves the registry's metrics, answering as the metrics endpoint of every
 * pytheus adapter does: `GET` (and `HEAD`) answer 200 with the exposition in the format the `Accept` header asks
 * for (see `negotiate`), gzipped when `Accept-Encoding` allows it; other methods answer 405; a refusal of
 * `authorize` 401 or 403; and a failed read (such as a backend that cannot be reached) 503, with a body that
 * reveals nothing (the error goes to `onError`).
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
  checkOptions('metricsHandler', options, { known: ['registry', 'authorize', 'scrapeTimeoutMs', 'onError'] });
  const { registry, ...endpoint } = options;
  if (registry !== undefined && !isRegistry(registry)) {
    throw new InvalidArgumentError(
      `metricsHandler: registry must be a CollectorRegistry (or absent for the default registry), got ${describeValue(registry)}`,
    );
  }
  for (const key of ['authorize', 'onError'] as const) {
    if (endpoint[key] !== undefined && typeof endpoint[key] !== 'function') {
      throw new InvalidArgumentError(
        `metricsHandler: ${key} must be a function, got ${describeValue(endpoint[key])}`,
      );
    }
  }
  const timeout = endpoint.scrapeTimeoutMs;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
    throw new InvalidArgumentError(
      `metricsHandler: scrapeTimeoutMs must be a positive number of milliseconds, got ${describeValue(timeout)}`,
    );
  }
  return async (request, response) => {
    const answer = await answerScrape(
      registry ?? getDefaultRegistry(),
      {
        method: request.method ?? 'GET',
        accept: request.headers.accept,
        acceptEncoding: request.headers['accept-encoding'],
        request: () => toWebRequest(request),
      },
      endpoint,
    );
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  };
}

/**
 * A `node:http` request as a web `Request` with the same method, URL and headers (no body): what the metrics
 * endpoint's `authorize` hook receives, in every adapter that runs on `node:http`.
 */
export function toWebRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A header the Fetch API refuses cannot be an authorization header that matters.
    }
  }
  const target = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  let url: URL;
  try {
    url = new URL(target, `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = new URL(target.startsWith('/') ? target : '/', 'http://localhost');
  }
  return new Request(url, { method: req.method === 'HEAD' ? 'HEAD' : 'GET', headers });
}

export {
  collectRuntimeMetrics,
  GC_DURATION_BUCKETS,
  type RuntimeMetrics,
  type RuntimeMetricsOptions,
} from './runtime.js';
