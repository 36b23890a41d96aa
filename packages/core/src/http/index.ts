// `@pytheus/core/http`: the HTTP layer every framework adapter shares. Web-standard only (no `node:*`), so that it
// runs wherever core runs; an adapter only translates its framework's request, route template, status and abort.
export {
  answerScrape,
  type EndpointOptions,
  type ScrapeAnswer,
  type ScrapeRequest,
  ScrapeTimeoutError,
} from './endpoint.js';
export {
  CLIENT_CLOSED_REQUEST,
  METHOD_LABELS,
  OTHER_METHOD,
  OVERFLOW_ROUTE,
  UNMATCHED_ROUTE,
} from './labels.js';
export {
  HTTP_DURATION_BUCKETS,
  HTTP_SIZE_BUCKETS,
  type HttpMetricsOptions,
  HttpOptionsError,
} from './options.js';
export { createHttpMetrics, HttpMetrics, type RequestOutcome, RequestTimer } from './request-metrics.js';
