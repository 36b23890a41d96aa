// The metrics endpoint's answer, the same in every adapter and in `metricsHandler`: format negotiation, gzip, HEAD,
// 405, an `authorize` hook, and a 503 that reveals nothing when the metrics cannot be read. Web-standard only.
import { PytheusError } from '../errors.js';
import { generateMetrics } from '../exposition.js';
import { acceptsGzip, negotiate } from '../negotiate.js';
import type { CollectorRegistry } from '../registry.js';

/** What the metrics endpoint needs to know about a request to it. */
export interface ScrapeRequest {
  method: string;
  accept?: string | null | undefined;
  acceptEncoding?: string | null | undefined;
  /** The request as a web `Request`, for `authorize`; only called when there is an `authorize` hook. */
  request?: () => Request;
}

/** The metrics endpoint's answer, for the adapter to send as it is. */
export interface ScrapeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Options of the metrics endpoint, a part of every adapter's options and of `metricsHandler`'s. */
export interface EndpointOptions {
  /**
   * Decides who may read the metrics endpoint: return true to serve. A refusal answers 401 when the request
   * carried no `Authorization` header, else 403. A bearer token is one line:
   * `authorize: (request) => request.headers.get('authorization') === \`Bearer ${token}\``.
   */
  authorize?: (request: Request) => boolean | Promise<boolean>;
  /** How long a scrape may take before the endpoint gives up with a 503, in milliseconds. Default 10000. */
  scrapeTimeoutMs?: number;
  /**
   * Called with the error when the endpoint cannot read the metrics (a backend down, a collector that throws, a
   * timeout) or when `authorize` throws; the answer itself never reveals it. For logging.
   */
  onError?: (error: unknown) => void;
}

/**
 * The metrics endpoint's answer to a request: `GET` and `HEAD` get the exposition in the format `Accept` asks
 * for (Prometheus text or OpenMetrics, with its exact content type), gzipped when `Accept-Encoding` allows it
 * and the runtime has `CompressionStream`; other methods 405; a refusal of `authorize` 401 or 403; metrics
 * that cannot be read within `scrapeTimeoutMs` (a backend down) 503 with a body that reveals nothing. It never
 * rejects.
 */
export async function answerScrape(
  registry: CollectorRegistry,
  scrape: ScrapeRequest,
  options: EndpointOptions = {},
): Promise<ScrapeAnswer> {
  const method = scrape.method;
  if (method !== 'GET' && method !== 'HEAD') {
    return plain(405, 'method not allowed\n', { allow: 'GET, HEAD' });
  }
  if (options.authorize !== undefined) {
    const request = scrape.request?.();
    let allowed = false;
    try {
      allowed = request !== undefined && (await options.authorize(request)) === true;
    } catch (error) {
      report(options, error);
    }
    if (!allowed) {
      return request?.headers.has('authorization')
        ? plain(403, 'forbidden\n')
        : plain(401, 'unauthorized\n', {
            'www-authenticate': 'Basic realm="metrics", Bearer realm="metrics"',
          });
    }
  }
  const { format, contentType } = negotiate(scrape.accept ?? undefined);
  let text: string;
  try {
    text = await withTimeout(generateMetrics(registry, { format }), options.scrapeTimeoutMs ?? 10_000);
  } catch (error) {
    report(options, error);
    return plain(503, 'metrics unavailable\n', { 'retry-after': '1' });
  }
  let body: Uint8Array = ENCODER.encode(text);
  const headers: Record<string, string> = { 'content-type': contentType, vary: 'Accept, Accept-Encoding' };
  if (acceptsGzip(scrape.acceptEncoding) && typeof CompressionStream === 'function') {
    body = await gzip(body);
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = String(body.byteLength);
  return { status: 200, headers, body: method === 'HEAD' ? '' : body };
}

function report(options: EndpointOptions, error: unknown): void {
  try {
    options.onError?.(error);
  } catch {
    // A logging hook that throws must not turn a 503 into a crash.
  }
}

const ENCODER = new TextEncoder();

function plain(status: number, text: string, extra: Record<string, string> = {}): ScrapeAnswer {
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(ENCODER.encode(text).byteLength),
      ...extra,
    },
    body: text,
  };
}

/** The scrape timed out: the error `onError` receives. */
export class ScrapeTimeoutError extends PytheusError {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ScrapeTimeoutError(`reading the metrics took longer than ${ms} ms`)),
      ms,
    );
  });
  // A scrape that fails after the timeout has nobody waiting for it: keep its rejection from going unhandled.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
