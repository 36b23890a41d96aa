// The label rules every adapter shares: fixed values for what cannot be a route, a method or a status of its own.

/** The `route` of a request that matched no route (404s, scanners, a middleware that answered first). */
export const UNMATCHED_ROUTE = '<unmatched>';

/** The `route` of a request whose route template came after `maxRoutes` distinct ones. */
export const OVERFLOW_ROUTE = '<overflow>';

/** The `method` of a request whose method is not one of the standard ones (as OpenTelemetry does). */
export const OTHER_METHOD = '_OTHER';

/** The status recorded for a request whose client hung up before the response was complete (as nginx does). */
export const CLIENT_CLOSED_REQUEST = 499;

// RFC 9110's methods and PATCH (RFC 5789): OpenTelemetry's "known" methods; any other is OTHER_METHOD.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

/** The `method` label values, by {@link methodIndex}: the standard methods, then {@link OTHER_METHOD}. */
export const METHOD_LABELS: readonly string[] = [...METHODS, OTHER_METHOD];

/** The labels of the request metrics themselves, which `extraLabels` cannot take. */
export const OWN_LABELS: readonly string[] = ['method', 'route', 'status_code'];

/** The index of a method's label in {@link METHOD_LABELS}. */
export function methodIndex(method: string): number {
  // Most requests are GETs: one comparison, then a short scan of the standard methods.
  if (method === 'GET') return 0;
  const index = (METHODS as readonly string[]).indexOf(method);
  return index < 0 ? METHODS.length : index;
}
