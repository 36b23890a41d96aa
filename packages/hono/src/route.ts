// Finds the route a Hono request was answered by, or was going to be, among the routes it matched.
//
// Hono matches a request against every route registered for its path, middlewares (`app.use('/api/*', auth)`)
// and handlers (`app.get('/api/users/:id', h)`) alike, in registration order, and runs them in that order; each
// route record carries its full path with the mount prefix of `app.route()` and `basePath()`. A middleware is a
// route registered for every method (`use()` registers it as `ALL`) whose function takes `next`; anything else is
// a handler: a route of one method (validators in front of a handler share its path), or an `app.all()` function
// without `next`. The handler that answers is the first one from where the chain stopped (`c.req.routeIndex`):
// if a middleware stopped it (a 401), the first handler after it is where the request was going; if a handler
// passed the request on with `next()`, the chain stopped further on. No handler: the request matched none.
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { RouterRoute } from 'hono/types';

// `app.route()` wraps the handlers of a sub-app that has its own error handler and keeps the original here
// (Hono's COMPOSED_HANDLER).
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';

/** What a matched route is to the middleware: a middleware, a handler, or `metricsHandler`'s endpoint. */
export type RouteKind = typeof MIDDLEWARE | typeof HANDLER | typeof ENDPOINT;
export const MIDDLEWARE = 0;
export const HANDLER = 1;
/** A handler made by `metricsHandler`: the metrics endpoint, whose requests are never timed. */
export const ENDPOINT = 2;

/** The handlers `metricsHandler` made, so that the middleware leaves their requests untimed. */
export const ENDPOINT_HANDLERS: WeakSet<object> = new WeakSet();

// HonoRequest classes whose match result `hono/route` cannot read: an app on the CommonJS build of Hono while
// this package loads the ES module build (two copies of Hono's private symbol). Their deprecated getter is read.
const legacyRequests = new WeakSet<object>();

/** The routes a request matched, in the order Hono runs them. */
export function routesOf(c: Context): readonly RouterRoute[] {
  const request = c.req as unknown as { constructor: object; matchedRoutes?: RouterRoute[] };
  if (!legacyRequests.has(request.constructor)) {
    try {
      return matchedRoutes(c);
    } catch {
      legacyRequests.add(request.constructor);
    }
  }
  return request.matchedRoutes ?? [];
}

/** Kinds of route records, cached by record (Hono keeps one per registration for the app's life). */
export class RouteKinds {
  private readonly kinds = new WeakMap<RouterRoute, RouteKind>();

  kindOf(route: RouterRoute): RouteKind {
    let kind = this.kinds.get(route);
    if (kind === undefined) {
      kind = classify(route);
      this.kinds.set(route, kind);
    }
    return kind;
  }

  /**
   * Whether the handler at `index` is `metricsHandler`'s, or is in front of it in the same registration
   * (`app.get('/metrics', auth, metricsHandler())`: the routes of one call share a method and a path).
   */
  servesMetrics(routes: readonly RouterRoute[], index: number): boolean {
    const first = routes[index];
    if (first === undefined) return false;
    for (let i = index; i < routes.length; i++) {
      const route = routes[i]!;
      if (route.path !== first.path || route.method !== first.method) return false;
      if (this.kindOf(route) === ENDPOINT) return true;
    }
    return false;
  }

  /** The index of the first handler route from `from` on; -1 when there is none. */
  handlerFrom(routes: readonly RouterRoute[], from: number): number {
    for (let i = Math.max(from, 0); i < routes.length; i++) {
      if (this.kindOf(routes[i]!) !== MIDDLEWARE) return i;
    }
    return -1;
  }
}

function classify(route: RouterRoute): RouteKind {
  let handler = route.handler as ((...args: unknown[]) => unknown) & { [COMPOSED_HANDLER]?: unknown };
  const original = handler[COMPOSED_HANDLER];
  if (typeof original === 'function') handler = original as typeof handler;
  if (ENDPOINT_HANDLERS.has(handler)) return ENDPOINT;
  return route.method === 'ALL' && handler.length >= 2 ? MIDDLEWARE : HANDLER;
}
