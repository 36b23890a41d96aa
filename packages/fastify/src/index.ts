import type { ServerResponse } from 'node:http';
import {
  createHttpMetrics,
  type HttpMetrics,
  type HttpMetricsOptions,
  HttpOptionsError,
  type RequestTimer,
  type ScrapeRequest,
} from '@pytheus/core/http';
import { toWebRequest } from '@pytheus/core/node';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RouteShorthandOptions,
} from 'fastify';
import fp from 'fastify-plugin';

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
 * Options of the plugin: those of every pytheus adapter (`@pytheus/core/http`), whose `extraLabels` and
 * `exemplar` hooks take Fastify's request and reply, and `routeOptions` for the metrics route.
 */
export interface FastifyMetricsOptions extends HttpMetricsOptions<FastifyRequest, FastifyReply> {
  /**
   * Merged into the definition of the metrics route (not `method`, `url` or `handler`): hooks such as a
   * `preHandler` or `onRequest` that checks credentials, `logLevel`, `schema`, `config`.
   * `{ onRequest: app.basicAuth, logLevel: 'warn' }`.
   */
  routeOptions?: RouteShorthandOptions;
}

/**
 * What the plugin decorates the app with, as `app.metrics`: the registry and the instruments of the shared HTTP
 * layer (`duration`, `inFlight`, and `total`, `requestSize`, `responseSize` when asked for), the path of the
 * metrics route (or false), `scrape()` (the endpoint's answer as data), and a route handler.
 */
export interface FastifyMetrics
  extends Pick<
    HttpMetrics<FastifyRequest, FastifyReply>,
    'registry' | 'duration' | 'inFlight' | 'total' | 'requestSize' | 'responseSize' | 'metricsPath' | 'scrape'
  > {
  /**
   * A route handler that answers with the metrics (negotiated format, gzip, `authorize`, 503 when the backend
   * cannot be read), for a route of your own when `metricsPath` is false. Give that route
   * `config: { metrics: false }` so that it is not timed.
   *
   * @example
   * ```ts
   * internal.get('/metrics', { config: { metrics: false } }, app.metrics.handler);
   * ```
   */
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The request metrics of `@pytheus/fastify` and the handler of its metrics route. */
    metrics: FastifyMetrics;
  }
  interface FastifyContextConfig {
    /** `false` leaves this route's requests untimed by `@pytheus/fastify`. */
    metrics?: boolean;
  }
}

// What a timed request's raw response carries until it closes: one shared `close` listener reads it there.
const PENDING = Symbol('@pytheus/fastify pending');

interface Pending {
  readonly timer: RequestTimer<FastifyRequest, FastifyReply>;
  readonly route: string | undefined;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

type TimedResponse = ServerResponse & { [PENDING]?: Pending | undefined };

async function pytheus(app: FastifyInstance, options: FastifyMetricsOptions): Promise<void> {
  const { routeOptions, ...shared } = options;
  if (
    routeOptions !== undefined &&
    (typeof routeOptions !== 'object' || routeOptions === null || Array.isArray(routeOptions))
  ) {
    throw new HttpOptionsError(
      'HTTP metrics option "routeOptions" must be an object of Fastify route options',
    );
  }
  for (const key of ['method', 'url', 'path', 'handler']) {
    if (routeOptions !== undefined && key in routeOptions) {
      throw new HttpOptionsError(
        `HTTP metrics option "routeOptions" cannot set "${key}": the plugin defines the metrics route's ${key}`,
      );
    }
  }
  const http = createHttpMetrics<FastifyRequest, FastifyReply>(shared);
  const checkPaths = (shared.ignorePaths?.length ?? 0) > 0;
  const countRequests = shared.requestSize === true;
  const countResponses = shared.responseSize === true;

  async function handler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const answer = await http.scrape({
      method: request.method,
      accept: request.headers.accept,
      acceptEncoding: request.headers['accept-encoding'],
      request: () => toWebRequest(request.raw),
    });
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  }

  app.decorate('metrics', {
    registry: http.registry,
    duration: http.duration,
    inFlight: http.inFlight,
    total: http.total,
    requestSize: http.requestSize,
    responseSize: http.responseSize,
    metricsPath: http.metricsPath,
    handler,
    scrape: (scrape: ScrapeRequest) => http.scrape(scrape),
  } satisfies FastifyMetrics);

  // A hook added to the root instance reaches every route of the app, whenever it was declared: Fastify binds hooks
  // to routes when the app gets ready, and hands a hook to the plugins registered before it too. The route is read
  // once, here: a handler that calls `reply.callNotFound()` keeps its route's template.
  //
  // The end of a request is the raw response's `close`, which comes once for every response: after it was sent,
  // and when the client hung up before the app ended it (recorded as 499; Fastify's onResponse does not fire then,
  // its onRequestAbort does). `writableEnded`, not `writableFinished`: inject()'s responses never finish writing
  // to a socket. One listener instead of those two hooks: with them, Fastify runs a hook chain and a
  // `finish` listener of its own per request, which costs a hello-world app about 6% of its throughput, against
  // about 1% for this one listener (`pnpm bench fastify`).
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions;
    if (route.config.metrics === false || (checkPaths && http.ignores(pathOf(request.url)))) {
      done();
      return;
    }
    const res = reply.raw as TimedResponse;
    // The 404 handler's route has no url (`request.is404`): the request is recorded as unmatched.
    res[PENDING] = { timer: http.start(request.method, request, reply), route: route.url, request, reply };
    res.on('close', finished);
    done();
  });

  function finished(this: TimedResponse): void {
    const pending = this[PENDING];
    if (pending === undefined) return;
    this[PENDING] = undefined;
    const { request, reply } = pending;
    pending.timer.finish({
      route: pending.route,
      statusCode: this.statusCode,
      aborted: !this.writableEnded,
      requestBytes: countRequests ? contentLength(request.headers['content-length']) : undefined,
      responseBytes: countResponses ? bodyBytes(request, reply) : undefined,
    });
  }

  if (http.metricsPath !== false) {
    app.route({
      ...routeOptions,
      method: ['GET', 'HEAD'],
      url: http.metricsPath,
      config: { ...routeOptions?.config, metrics: false },
      handler,
    });
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function contentLength(header: string | string[] | number | undefined): number | undefined {
  if (header === undefined || Array.isArray(header)) return undefined;
  const bytes = Number(header);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
}

// The body bytes sent: none for HEAD; else the Content-Length that Fastify sets for every payload it has whole
// (strings, buffers, serialized objects). A stream sent without one has no size known here.
function bodyBytes(request: FastifyRequest, reply: FastifyReply): number | undefined {
  if (request.method === 'HEAD') return 0;
  return contentLength(reply.getHeader('content-length'));
}

/**
 * The Fastify 5 plugin of pytheus: `await app.register(pytheus, options)` times every request of the app in
 * `http_request_duration_seconds` (labels `method`, `route`, `status_code`) and `http_requests_in_flight`
 * (`method`), with `route` the route template with its full prefix (`/api/:tenant/items/:id`), `<unmatched>` for
 * requests no route matched and status 499 for a client that hung up first; it serves the metrics on a route of
 * its own at `metricsPath` (default `/metrics`) and decorates the app with `app.metrics`. A route with
 * `config: { metrics: false }` is not timed. It covers routes declared before it and after it, in any plugin;
 * register it before hooks that may answer a request early (auth, rate limits), so that it times those too.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import pytheus from '@pytheus/fastify';
 *
 * const app = Fastify();
 * await app.register(pytheus, { ignorePaths: ['/health'] });
 * app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
 * await app.listen({ port: 3000 }); // GET /metrics
 * ```
 */
const fastifyPytheus: FastifyPluginAsync<FastifyMetricsOptions> = fp(pytheus, {
  fastify: '5.x',
  name: '@pytheus/fastify',
});

export default fastifyPytheus;
