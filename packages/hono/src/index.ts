// `@pytheus/hono`: request metrics and the metrics endpoint for Hono 4, on web standards only, so that one app and
// its metrics run on Node (@hono/node-server), Bun, Deno and Workers alike.
import { CollectorRegistry, getDefaultRegistry } from '@pytheus/core';
import {
  answerScrape,
  createHttpMetrics,
  type EndpointOptions,
  type HttpMetricsOptions,
  HttpOptionsError,
  type RequestTimer,
  type ScrapeAnswer,
  type ScrapeRequest,
} from '@pytheus/core/http';
import type { Context, Env, MiddlewareHandler } from 'hono';
import type { RouterRoute } from 'hono/types';
import { ENDPOINT_HANDLERS, RouteKinds, routesOf } from './route.js';

export {
  CLIENT_CLOSED_REQUEST,
  HTTP_DURATION_BUCKETS,
  HTTP_SIZE_BUCKETS,
  HttpOptionsError,
  OTHER_METHOD,
  OVERFLOW_ROUTE,
  UNMATCHED_ROUTE,
} from '@pytheus/core/http';

/**
 * Options of {@link metrics}: those of every pytheus adapter (`@pytheus/core/http`). The `extraLabels` and
 * `exemplar` hooks receive the request's Hono `Context` twice (as request and as response): `c.req`, `c.var`,
 * `c.env`, and `c.res`, the response sent.
 */
export type HonoMetricsOptions<E extends Env = Env> = HttpMetricsOptions<Context<E>, Context<E>>;

/** Options of {@link metricsHandler}: the registry to serve and the endpoint options of every adapter. */
export interface MetricsHandlerOptions extends EndpointOptions {
  /** The registry to expose; the default registry when absent. */
  registry?: CollectorRegistry;
}

/**
 * Hono middleware that times every request that comes after it and serves the metrics on `metricsPath` (default
 * `/metrics`). Mount it first. Requests are recorded in `http_request_duration_seconds` (labels `method`,
 * `route`, `status_code`) and `http_requests_in_flight` (`method`), with `route` the path of the handler that
 * answered, or would have answered had a middleware not (`/api/users/:id` for a 401 of an `/api/*` guard),
 * including the mount path of `app.route()`; `<unmatched>` when no handler matched; and status 499 for a client
 * that hung up first.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { metrics } from '@pytheus/hono';
 *
 * const app = new Hono();
 * app.use(metrics({ ignorePaths: ['/health'] }));
 * app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
 * export default app; // GET /metrics
 * ```
 */
export function metrics<E extends Env = Env>(options: HonoMetricsOptions<E> = {}): MiddlewareHandler<E> {
  const http = createHttpMetrics<Context<E>, Context<E>>(options);
  const kinds = new RouteKinds();
  const metricsPath = http.metricsPath;
  const countRequests = options.requestSize === true;
  const countResponses = options.responseSize === true;

  return async function pytheusMetrics(c, next) {
    const path = c.req.path;
    if (path === metricsPath) return toResponse(await http.scrape(scrapeRequestOf(c)));
    if (http.ignores(path)) return next();
    const routes = routesOf(c);
    // The handler the request is going to, as things stand; a `metricsHandler` route is never timed.
    const target = kinds.handlerFrom(routes, c.req.routeIndex + 1);
    if (target >= 0 && kinds.servesMetrics(routes, target)) return next();
    const timer = http.start(c.req.method, c, c);
    let finalized = false;
    try {
      await next();
      finalized = c.finalized;
    } finally {
      // Read once, when the chain is done: Hono's compose has by then run the error handler of a throw (500, or
      // an HTTPException's response) and put its response in `c.res`. A chain that threw past every error
      // handler, or ended without a response, is answered 500 by Hono or the server.
      const stop = c.req.routeIndex;
      const answering = stop <= target ? target : kinds.handlerFrom(routes, stop);
      const request: Finished = {
        timer,
        route: answering < 0 ? undefined : (routes[answering] as RouterRoute).path,
        statusCode: finalized ? c.res.status : 500,
        requestBytes: countRequests ? byteCount(c.req.header('content-length')) : undefined,
      };
      let counting = false;
      if (finalized && countResponses) {
        try {
          counting = countBodyAsSent(c, request);
        } catch {
          counting = false; // a body another middleware holds: recorded now, without its size
        }
      }
      if (!counting) finish(c, request, countResponses && finalized ? declaredSize(c) : undefined);
    }
  };
}

/**
 * A Hono handler that serves the metrics, for a route of your choice or a second app (another port, say),
 * answering as the middleware's endpoint does: the format `Accept` asks for, gzip, `HEAD`, 405 for other
 * methods, 401/403 when `authorize` refuses, 503 revealing nothing when the backend cannot be read. The
 * middleware never times its requests.
 *
 * @example
 * ```ts
 * app.use(metrics({ metricsPath: false }));
 * const admin = new Hono();
 * admin.get('/metrics', metricsHandler({ authorize: (request) => isAdmin(request) }));
 * ```
 */
export function metricsHandler(options: MetricsHandlerOptions = {}): (c: Context) => Promise<Response> {
  checkHandlerOptions(options);
  const { registry, ...endpoint } = options;
  const handler = async (c: Context) =>
    toResponse(await answerScrape(registry ?? getDefaultRegistry(), scrapeRequestOf(c), endpoint));
  ENDPOINT_HANDLERS.add(handler);
  return handler;
}

// A timed request whose chain is done, waiting for its response's size or recorded at once.
interface Finished {
  timer: RequestTimer<Context, Context>;
  route: string | undefined;
  statusCode: number;
  requestBytes: number | undefined;
}

function finish(c: Context, request: Finished, responseBytes: number | undefined, cut = false): void {
  request.timer.finish({
    route: request.route,
    statusCode: request.statusCode,
    aborted: cut || clientGone(c),
    requestBytes: request.requestBytes,
    responseBytes,
  });
}

// Whether the client has hung up. Under @hono/node-server the app's env holds Node's ServerResponse, `destroyed`
// once the connection is gone: a property read, where the request's `signal` would be made on first read (an
// AbortController per request, microseconds on Node 20). Bun, Deno and Workers abort the request's signal.
function clientGone(c: Context): boolean {
  const outgoing = (c.env as { outgoing?: { destroyed?: unknown } } | undefined)?.outgoing;
  if (typeof outgoing?.destroyed === 'boolean') return outgoing.destroyed;
  return c.req.raw.signal.aborted;
}

// With `responseSize`, a body whose length the response does not declare is counted as the server reads it, and
// the request recorded when its last byte is read, or as 499 when the client leaves first (the body is
// cancelled). A HEAD response is never read (Hono answers it without the GET body), so it is not counted.
function countBodyAsSent(c: Context, request: Finished): boolean {
  const body = c.res.body;
  if (body === null || c.req.method === 'HEAD' || declaredSize(c) !== undefined) return false;
  const reader = body.getReader();
  let bytes = 0;
  let done = false;
  const end = (cut: boolean) => {
    if (done) return;
    done = true;
    finish(c, request, bytes, cut);
  };
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          end(false);
          controller.close();
          return;
        }
        bytes += chunk.value.byteLength;
        controller.enqueue(chunk.value);
      } catch (error) {
        end(true);
        controller.error(error);
      }
    },
    cancel(reason) {
      end(true);
      return reader.cancel(reason);
    },
  });
  c.res = new Response(counted, c.res);
  return true;
}

function declaredSize(c: Context): number | undefined {
  if (c.req.method === 'HEAD' || c.res.body === null) return 0;
  return byteCount(c.res.headers.get('content-length'));
}

function byteCount(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined) return undefined;
  const bytes = Number(header);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
}

function scrapeRequestOf(c: Context): ScrapeRequest {
  return {
    method: c.req.method,
    accept: c.req.header('accept'),
    acceptEncoding: c.req.header('accept-encoding'),
    request: () => c.req.raw,
  };
}

function toResponse(answer: ScrapeAnswer): Response {
  return new Response(answer.body as ConstructorParameters<typeof Response>[0], {
    status: answer.status,
    headers: answer.headers,
  });
}

const HANDLER_OPTIONS: ReadonlySet<string> = new Set([
  'registry',
  'authorize',
  'scrapeTimeoutMs',
  'onError',
] satisfies (keyof MetricsHandlerOptions)[]);

function checkHandlerOptions(options: MetricsHandlerOptions): void {
  for (const key of Object.keys(options)) {
    if (!HANDLER_OPTIONS.has(key)) {
      throw new HttpOptionsError(
        `unknown metricsHandler option "${key}" (known options: ${[...HANDLER_OPTIONS].join(', ')})`,
      );
    }
  }
  if (options.registry !== undefined && !(options.registry instanceof CollectorRegistry)) {
    throw new HttpOptionsError('metricsHandler option "registry" must be a CollectorRegistry');
  }
}
