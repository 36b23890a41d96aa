import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createHttpMetrics,
  type HttpMetricsOptions,
  type RequestTimer,
  type ScrapeAnswer,
} from '@pytheus/core/http';
import { toWebRequest } from '@pytheus/core/node';
import { pathOf, type RoutedRequest, RouteTemplates } from './route.js';

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
 * Options of {@link metrics}: those of every pytheus adapter (`@pytheus/core/http`). `Req` and `Res` are the
 * types your `extraLabels` and `exemplar` hooks take, Express' `Request` and `Response` for instance.
 */
export type ExpressMetricsOptions<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
> = HttpMetricsOptions<Req, Res>;

// The properties of the request and the response that every request reads, used as computed keys (`req[KEY_URL]`).
// Express gives each request and response object a hidden class of its own (a V8 map no other object has), so a
// load written `req.url` never finds its inline cache filled: on Node 20, V8's IC log shows each such load miss into
// the runtime on every request, and each miss fills V8's stub cache, which the framework's own loads share, with an
// entry never used again. A load with a computed key looks an own property up in the object's descriptors without
// leaving generated code. (Loads of prototype properties, such as `writableFinished`, miss either way.)
const KEY_URL = 'url';
const KEY_METHOD = 'method';
const KEY_SOCKET = 'socket';
const KEY_DESTROYED = 'destroyed';
const KEY_FINISHED = 'finished';
const KEY_OUTPUT_SIZE = 'outputSize';
const KEY_STATUS_CODE = 'statusCode';

/** The middleware {@link metrics} returns; `app.use()` of Express 4 and 5 takes it. */
export type MetricsMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express middleware that times every request that comes after it and serves the metrics on `metricsPath`
 * (default `/metrics`). Mount it first. Requests are recorded in `http_request_duration_seconds` (labels
 * `method`, `route`, `status_code`) and `http_requests_in_flight` (`method`), with `route` the route template
 * including the routers' mount paths (`/api/:tenant/items/:id`), `<unmatched>` for requests no route matched,
 * and status 499 for a client that hung up first.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { metrics } from '@pytheus/express';
 *
 * const app = express();
 * app.use(metrics({ ignorePaths: ['/health'] }));
 * app.get('/users/:id', (req, res) => res.json({ id: req.params.id }));
 * app.listen(3000); // GET /metrics
 * ```
 */
export function metrics<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
>(options: ExpressMetricsOptions<Req, Res> = {}): MetricsMiddleware {
  const http = createHttpMetrics<Req, Res>(options);
  const templates = new RouteTemplates();
  const metricsPath = http.metricsPath;
  const countResponses = options.responseSize === true;
  const countRequests = options.requestSize === true;
  const ignoring = (options.ignorePaths?.length ?? 0) > 0;

  function finish(
    timer: RequestTimer<Req, Res>,
    req: IncomingMessage,
    res: ServerResponse,
    aborted: boolean,
    sent?: Sent,
  ) {
    timer.finish({
      route: templates.templateOf(req as RoutedRequest),
      statusCode: res[KEY_STATUS_CODE],
      aborted,
      requestBytes: countRequests ? contentLength(req) : undefined,
      responseBytes: sent?.bytes,
    });
  }

  return function pytheusMetrics(req, res, next) {
    const url = req[KEY_URL] ?? '/';
    if (metricsPath !== false && isPath(url, metricsPath)) {
      serveMetrics(req, res, next);
      return;
    }
    if (ignoring && http.ignores(pathOf(url))) {
      next();
      return;
    }
    const timer = http.start(req[KEY_METHOD] ?? 'GET', req as Req, res as Res, false);
    const sent = countResponses ? countBody(res) : undefined;
    // Destroyed before this middleware ran, and not complete: its client left while a middleware ahead waited.
    const abandoned = res[KEY_DESTROYED] && !res.writableFinished;
    try {
      next();
    } finally {
      // A response is done when it is complete (all of it handed to the OS) or when it closed first: a client
      // that hung up (499). One destroyed already is done: abandoned before this middleware ran, or destroyed
      // during the chain (complete or not). One a handler completed before `next()` returned (a synchronous
      // handler, when the socket took all of it at once: nothing left in the response's or the socket's buffer)
      // is recorded now, without a listener, and was never counted in flight: nothing could read the gauge
      // meanwhile. Any other response is in flight until its `close`, which comes once for every response: after
      // `finish` when it completed, alone when the connection went first.
      //
      // The common tests read own data properties of the request and response (`finished` is `writableEnded`'s),
      // not getters such as `writableFinished` or `res.socket`: those sit on ServerResponse's prototype, behind
      // the prototype Express gives every response, where reading one costs as much as the rest of the middleware.
      // Should a Node version drop one of these properties, the test fails and the response takes the `close` path.
      if (res[KEY_DESTROYED]) finish(timer, req, res, abandoned || !res.writableFinished, sent);
      else if (
        res[KEY_FINISHED] &&
        (res as Buffering)[KEY_OUTPUT_SIZE] === 0 &&
        req[KEY_SOCKET]?.writableLength === 0
      ) {
        finish(timer, req, res, false, sent);
      } else {
        timer.pending();
        res.on('close', () => finish(timer, req, res, !res.writableFinished, sent));
      }
    }
  };

  function serveMetrics(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    http
      .scrape({
        method: req.method ?? 'GET',
        accept: req.headers.accept,
        acceptEncoding: req.headers['accept-encoding'],
        request: () => toWebRequest(req),
      })
      .then((answer: ScrapeAnswer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      }, next);
  }
}

// Whether the request target `url` is `path`, with or without a query: without slicing the text.
function isPath(url: string, path: string): boolean {
  return url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === 63); // '?'
}

function contentLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  const bytes = Number(header);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
}

// A response with what it holds back from its socket: an own property of every Node response that @types/node
// leaves out.
type Buffering = ServerResponse & { readonly outputSize?: number };

interface Sent {
  bytes: number;
}

// Counts the body bytes a response writes (only with `responseSize`): the size before any transfer coding.
function countBody(res: ServerResponse): Sent {
  const sent: Sent = { bytes: 0 };
  const add = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') {
      sent.bytes += Buffer.byteLength(
        chunk,
        typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
      );
    } else if (chunk instanceof Uint8Array) {
      sent.bytes += chunk.byteLength;
    }
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    add(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') add(chunk, rest[0]);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  return sent;
}
