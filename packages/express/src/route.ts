// Recovers a request's route template with its full mount prefix (`/api/:tenant/items/:id`) from Express 4 or 5.
//
// Express keeps the template of the route a request matched (`req.route.path`), but not those of the routers it
// passed through: `req.baseUrl` holds the concrete prefix (`/api/acme`, a tenant name), an error handler at the
// app level sees it reset to '', and neither Express 4 (path-to-regexp 0.1) nor Express 5 (router 2,
// path-to-regexp 8) keeps the mount path a router was given. So when a response is done:
// 1. the route's chain of mount layers is found once by searching the app's router tree for the layer that holds
//    `req.route` (a route object belongs to one router), and cached;
// 2. each mount layer's own matcher runs again on the request's path, which gives the concrete prefix it consumed
//    and its parameters; that prefix becomes a template by putting `:name` where a parameter's value stands
//    (a value found in two segments is told apart by running the matcher on a probe). A mount layer's template
//    is cached by the parameters it has, so later requests do no text work and no request text can add a value.
// Nothing in Express is patched or wrapped; everything is read when the response is done.

/** What route recovery reads of an Express request. */
export interface RoutedRequest {
  url?: string;
  baseUrl?: string;
  route?: unknown;
  app?: unknown;
}

interface Match {
  readonly path: string;
  readonly params: Readonly<Record<string, unknown>>;
}

// The parts of Express 4's and 5's layer objects this file reads.
interface Layer {
  route?: unknown;
  handle?: unknown;
  // Express 5 (router 2): one matcher per path of the layer, and `slash` for a mount at '/'.
  matchers?: ((path: string) => Match | false)[];
  slash?: boolean;
  // Express 4: one RegExp for all paths, its keys, and fast paths for '/' and '*'.
  regexp?: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  keys?: { name: string | number }[];
}

interface Router {
  stack: Layer[];
  caseSensitive?: boolean;
}

interface App {
  _router?: Router;
  router?: Router;
  parent?: unknown;
  path?: () => string;
}

interface Chain {
  /** Mount layers from the app's router down, each with the router it is in. */
  readonly mounts: readonly Layer[];
  readonly routers: readonly Router[];
  /** The layer that holds the route, for telling chains apart. */
  readonly layer: Layer;
}

interface RouteEntry {
  readonly chains: readonly Chain[];
  /** The route's own template, as its code gives it. */
  readonly tail: string;
  /** The whole template when it does not depend on the request (no mount layer to match): the fast path. */
  readonly fixed: string | undefined;
}

const PROBE = 'pytheus-probe';
const KEY_ROUTE = 'route';
// Express 4 compiles string paths of mount layers to a RegExp ending in this lookahead (its source escapes the
// slash); a RegExp path is kept as given.
const COMPILED_MOUNT = /\(\?=\\?\/\|\$\)$/;

function isRouter(value: unknown): value is Router {
  return typeof value === 'function' && Array.isArray((value as { stack?: unknown }).stack);
}

function routerOf(app: unknown): Router | undefined {
  if (typeof app !== 'function' && (typeof app !== 'object' || app === null)) return undefined;
  // Express 4 keeps its router in `_router` (and throws on `router`); Express 5 in `router`.
  const router = (app as App)._router ?? (app as App).router;
  return router !== undefined && Array.isArray(router.stack) ? router : undefined;
}

/** The template text of a route or mount path as the code gave it: arrays joined with ',' (as OpenTelemetry). */
export function pathText(path: unknown): string {
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(pathText).join(',');
  return String(path);
}

/** A request target without its query. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function join(prefix: string, tail: string): string {
  if (prefix === '') return tail;
  if (tail === '/' || tail === '') return prefix;
  return prefix.endsWith('/') && tail.startsWith('/') ? prefix + tail.slice(1) : prefix + tail;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// A mount layer's matcher, run without touching the layer (Express' own `layer.match` stores its result on it).
function matchLayer(layer: Layer, path: string): (Match & { matcher: number }) | undefined {
  if (layer.matchers !== undefined) {
    if (layer.slash) return { path: '', params: {}, matcher: 0 };
    for (let i = 0; i < layer.matchers.length; i++) {
      const match = layer.matchers[i]!(path);
      if (match) return { path: match.path, params: match.params, matcher: i };
    }
    return undefined;
  }
  const regexp = layer.regexp;
  if (regexp === undefined) return undefined;
  if (regexp.fast_slash) return { path: '', params: {}, matcher: 0 };
  if (regexp.fast_star) return { path, params: { 0: path }, matcher: 0 };
  const found = regexp.exec(path);
  if (found === null) return undefined;
  const params: Record<string, unknown> = {};
  const keys = layer.keys ?? [];
  for (let i = 1; i < found.length; i++) {
    const value = found[i];
    if (value !== undefined) params[String(keys[i - 1]?.name ?? i - 1)] = decode(value);
  }
  return { path: found[0], params, matcher: 0 };
}

// The template of the concrete prefix `match.path` that `layer` consumed: each parameter's value replaced by its
// name. Literal text is lower-cased when the router matches case-insensitively (Express' default), so that
// `/API` and `/api` cannot make two templates.
function mountTemplate(layer: Layer, match: Match, names: readonly string[], caseSensitive: boolean): string {
  const regexp = layer.regexp;
  if (
    regexp !== undefined &&
    !regexp.fast_slash &&
    !regexp.fast_star &&
    !COMPILED_MOUNT.test(regexp.source)
  ) {
    return String(regexp); // an Express 4 mount at a RegExp: its source is the template
  }
  if (layer.matchers?.some((matcher) => matcher.name === 'regexpMatcher')) return '/(regexp)'; // Express 5 keeps none
  if (regexp?.fast_star) return '*';
  const text = match.path.replace(/\/+$/, '');
  const segments: (string | null)[] = text.split('/');
  const replaced = new Set<number>();
  const placed = new Set<string>();
  for (const name of names) {
    const value = match.params[name];
    const values = Array.isArray(value) ? value.map(String) : String(value).split('/');
    // A trailing slash gives a wildcard an empty last segment, which the trimmed text does not have.
    while (values.length > 1 && values[values.length - 1] === '') values.pop();
    const wildcard = Array.isArray(value) || values.length > 1;
    const candidates: number[] = [];
    for (let i = 1; i + values.length <= segments.length; i++) {
      let fits = true;
      for (let j = 0; j < values.length && fits; j++) {
        fits = !replaced.has(i + j) && decode(segments[i + j]!) === values[j];
      }
      if (fits) candidates.push(i);
    }
    if (candidates.length === 0) continue;
    // A value found in several places (`/api/:tenant` for `/api/api`): the place where a probe changes the
    // parameter is the one; without an answer, the last (parameters follow literals more often than not).
    let at = candidates[candidates.length - 1]!;
    if (candidates.length > 1) {
      const probed = candidates.find((candidate) => probes(layer, text, candidate, values.length, name));
      if (probed !== undefined) at = probed;
    }
    const numbered = /^\d+$/.test(name);
    segments[at] = wildcard ? (numbered ? '*' : `*${name}`) : `:${name}`;
    replaced.add(at);
    for (let j = 1; j < values.length; j++) {
      segments[at + j] = null;
      replaced.add(at + j);
    }
    placed.add(name);
  }
  for (let i = 1; i < segments.length; i++) {
    if (replaced.has(i) || segments[i] === null) continue;
    let segment = caseSensitive ? segments[i]! : segments[i]!.toLowerCase();
    // A parameter inside a segment (`/:from-:to`): its value is replaced where it stands.
    for (const name of names) {
      const value = match.params[name];
      if (placed.has(name) || typeof value !== 'string' || value === '') continue;
      const raw = caseSensitive ? value : value.toLowerCase();
      if (segment.includes(raw)) {
        segment = segment.replace(raw, `:${name}`);
        placed.add(name);
      }
    }
    segments[i] = segment;
  }
  return segments.filter((segment) => segment !== null).join('/');
}

// Whether replacing the segments at `at` with a probe makes the layer's parameter `name` take the probe's value.
function probes(layer: Layer, text: string, at: number, length: number, name: string): boolean {
  const segments = text.split('/');
  for (const probe of [PROBE, '0', '1']) {
    const changed = [...segments];
    changed.splice(at, length, ...Array.from({ length }, () => probe));
    const match = matchLayer(layer, changed.join('/'));
    const value = match?.params[name];
    if (match !== undefined && (Array.isArray(value) ? value[0] === probe : value === probe)) return true;
  }
  return false;
}

function routeLayerMatches(layer: Layer, path: string): boolean {
  // Route layers end where the path ends; both Express versions' matchers answer that directly.
  return matchLayer(layer, path) !== undefined;
}

/**
 * Route templates of Express requests, cached by route: `templateOf(req)` when the response is done.
 */
export class RouteTemplates {
  private readonly routes = new WeakMap<object, RouteEntry>();
  private readonly mounts = new WeakMap<Layer, Map<string, string>>();

  /**
   * The template of the route `req` matched, with the templates of the routers it was mounted under; undefined
   * when it matched no route.
   */
  templateOf(req: RoutedRequest): string | undefined {
    // A computed key, as for the request's other properties read on every request (index.ts).
    const route = req[KEY_ROUTE];
    if (typeof route !== 'object' || route === null) return undefined;
    let entry = this.routes.get(route);
    if (entry === undefined) {
      entry = this.entryOf(route, req.app);
      this.routes.set(route, entry);
    }
    if (entry.fixed !== undefined) return entry.fixed;
    return this.resolve(entry, req);
  }

  private entryOf(route: object, app: unknown): RouteEntry {
    const tail = pathText((route as { path?: unknown }).path);
    // A sub-app mounted with `app.use(path, subApp)`: `req.app` is the sub-app, and its mount paths are kept.
    const appPrefix =
      typeof (app as App | undefined)?.path === 'function' && (app as App).parent !== undefined
        ? pathText((app as App).path!())
        : '';
    const chains: Chain[] = [];
    const root = routerOf(app);
    if (root !== undefined) findChains(root, route, [], [], new Set(), chains);
    const fixed =
      chains.length === 0 || (chains.length === 1 && chains[0]!.mounts.length === 0)
        ? join(appPrefix, tail)
        : undefined;
    return { chains, tail: join(appPrefix, tail), fixed };
  }

  private resolve(entry: RouteEntry, req: RoutedRequest): string {
    // What the app's router matched against: every router keeps `baseUrl + url` equal to its own input, also
    // after an error has unwound to an app-level handler (then baseUrl is '' and url the whole path).
    const path = pathOf(`${req.baseUrl ?? ''}${req.url ?? ''}`);
    const many = entry.chains.length > 1;
    for (const chain of entry.chains) {
      const prefix = this.prefixOf(chain, path, many);
      if (prefix !== undefined) return join(prefix, entry.tail);
    }
    // The path no longer leads to the route (a middleware rewrote req.url): the first chain's templates as
    // earlier requests found them, else the route's own template.
    const chain = entry.chains[0]!;
    let prefix = '';
    for (const layer of chain.mounts) {
      const known = this.mounts.get(layer);
      if (known?.size !== 1) return entry.tail;
      prefix = join(prefix, known.values().next().value!);
    }
    return join(prefix, entry.tail);
  }

  private prefixOf(chain: Chain, path: string, checkRoute: boolean): string | undefined {
    let rest = path;
    let prefix = '';
    for (let i = 0; i < chain.mounts.length; i++) {
      const layer = chain.mounts[i]!;
      const match = matchLayer(layer, rest);
      if (match === undefined) return undefined;
      prefix = join(prefix, this.mountTemplateOf(layer, match, chain.routers[i]!.caseSensitive === true));
      rest = rest.slice(match.path.length);
      if (rest[0] !== '/') rest = `/${rest}`;
    }
    if (checkRoute && !routeLayerMatches(chain.layer, rest)) return undefined;
    return prefix;
  }

  private mountTemplateOf(layer: Layer, match: Match & { matcher: number }, caseSensitive: boolean): string {
    const names = Object.keys(match.params).filter((name) => match.params[name] !== undefined);
    const key = `${match.matcher}:${names.join('/')}`;
    let templates = this.mounts.get(layer);
    if (templates === undefined) {
      templates = new Map();
      this.mounts.set(layer, templates);
    }
    let template = templates.get(key);
    if (template === undefined) {
      template = mountTemplate(layer, match, names, caseSensitive);
      // A layer has few shapes (optional parameters); the bound keeps a strange one from growing the map.
      if (templates.size < 16) templates.set(key, template);
    }
    return template;
  }
}

// Depth-first, in stack order (the order Express tries layers), every chain of mount layers that leads to `route`.
function findChains(
  router: Router,
  route: object,
  mounts: Layer[],
  routers: Router[],
  active: Set<Router>,
  out: Chain[],
): void {
  if (active.has(router)) return; // a router mounted inside itself
  active.add(router);
  for (const layer of router.stack) {
    if (layer.route === route) {
      out.push({ mounts: [...mounts], routers: [...routers], layer });
    } else if (layer.route === undefined && isRouter(layer.handle)) {
      mounts.push(layer);
      routers.push(router);
      findChains(layer.handle, route, mounts, routers, active, out);
      mounts.pop();
      routers.pop();
    }
  }
  active.delete(router);
}
