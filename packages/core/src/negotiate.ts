import { describeValue, InvalidArgumentError } from './errors.js';

/** The exposition formats: Prometheus text 0.0.4 and OpenMetrics 1.0 text. */
export type Format = 'prometheus' | 'openmetrics';

/** The `Content-Type` of each format. */
const CONTENT_TYPES: Readonly<Record<Format, string>> = Object.freeze({
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
});

/** What {@link negotiate} picked: the format to render and the `Content-Type` to answer with. */
export interface Negotiated {
  readonly format: Format;
  readonly contentType: string;
}

// What we can serve, in the order that breaks a tie nothing else breaks: a client that takes anything (`*/*`,
// browsers, curl) reads Prometheus text; `application/openmetrics-text` without a version gets 1.0.0. Both
// OpenMetrics versions are served with the same 1.0 text, since 0.0.1 is the draft Prometheus names 1.0 by.
interface Offer {
  readonly format: Format;
  readonly type: string;
  readonly subtype: string;
  readonly version: string;
}

const OFFERS: readonly Offer[] = [
  { format: 'prometheus', type: 'text', subtype: 'plain', version: '0.0.4' },
  { format: 'openmetrics', type: 'application', subtype: 'openmetrics-text', version: '1.0.0' },
  { format: 'openmetrics', type: 'application', subtype: 'openmetrics-text', version: '0.0.1' },
];

// The name escaping schemes Prometheus 3 may ask for. Our names only use [a-zA-Z0-9_:], which every scheme leaves
// as they are, so any of them can be confirmed in the answer; anything else is ignored, never echoed.
const ESCAPING_SCHEMES = new Set(['allow-utf-8', 'underscores', 'dots', 'values']);

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  readonly position: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1).replace(/\\(.)/g, '$1')
    : value;
}

// Splits on `sep` outside of double-quoted strings.
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && quoted) i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === sep && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** One element of a header such as Accept or Accept-Encoding: its value, parameters and quality. */
interface QualityElement {
  /** The element without parameters, lowercased: `text/plain`, `gzip`. */
  readonly value: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  readonly position: number;
}

// Parses a comma-separated header whose elements carry `;` parameters and a quality value (RFC 9110, sections
// 12.4.2, 12.5.1 and 12.5.3). An element with a malformed quality value is skipped rather than failing the request.
function parseQualityList(header: string): QualityElement[] {
  const elements: QualityElement[] = [];
  splitOutsideQuotes(header, ',').forEach((element, position) => {
    const [value = '', ...rawParams] = splitOutsideQuotes(element, ';');
    const params = new Map<string, string>();
    let q = 1;
    for (const raw of rawParams) {
      const eq = raw.indexOf('=');
      if (eq < 0) continue;
      const name = raw.slice(0, eq).trim().toLowerCase();
      const paramValue = unquote(raw.slice(eq + 1).trim());
      if (name === 'q') {
        if (!QVALUE.test(paramValue)) return;
        q = Number(paramValue);
      } else if (!params.has(name)) {
        params.set(name, paramValue);
      }
    }
    elements.push({ value: value.trim().toLowerCase(), params, q, position });
  });
  return elements;
}

// The media ranges of an Accept header; a malformed range is skipped.
function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const { value, params, q, position } of parseQualityList(header)) {
    const slash = value.indexOf('/');
    if (slash < 0) continue;
    const type = value.slice(0, slash).trim();
    const subtype = value.slice(slash + 1).trim();
    if (!TOKEN.test(type) || !TOKEN.test(subtype) || (type === '*' && subtype !== '*')) continue;
    ranges.push({ type, subtype, params, q, position });
  }
  return ranges;
}

/**
 * Whether an `Accept-Encoding` header allows a gzipped answer: `gzip` (or `x-gzip`) named with a quality above
 * zero, or else `*` with one.
 */
export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  if (typeof acceptEncoding !== 'string') return false;
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const { value, q } of parseQualityList(acceptEncoding)) {
    if (value === 'gzip' || value === 'x-gzip') gzipQ = q;
    else if (value === '*') anyQ = q;
  }
  return (gzipQ ?? anyQ ?? 0) > 0;
}

// How specifically `range` names `offer`: 3 type, subtype and version; 2 type and subtype; 1 `type/*`; 0 `*/*`;
// -1 not at all. Parameters other than `version` (charset, escaping) do not decide whether a range matches.
function specificity(range: MediaRange, offer: Offer): number {
  if (range.type === '*') return 0;
  if (range.type !== offer.type) return -1;
  if (range.subtype === '*') return 1;
  if (range.subtype !== offer.subtype) return -1;
  const version = range.params.get('version');
  if (version === undefined) return 2;
  return version === offer.version ? 3 : -1;
}

function contentTypeOf(offer: Offer, range: MediaRange): string {
  if (offer.format === 'prometheus') return CONTENT_TYPES.prometheus;
  if (offer.version !== '1.0.0')
    return `application/openmetrics-text; version=${offer.version}; charset=utf-8`;
  // Prometheus 3 asks for a name escaping scheme with OpenMetrics 1.0.0 and expects it confirmed.
  const escaping = range.params.get('escaping');
  return escaping !== undefined && ESCAPING_SCHEMES.has(escaping)
    ? `${CONTENT_TYPES.openmetrics}; escaping=${escaping}`
    : CONTENT_TYPES.openmetrics;
}

const FALLBACK: Negotiated = Object.freeze({ format: 'prometheus', contentType: CONTENT_TYPES.prometheus });

/**
 * Picks the exposition format for an HTTP `Accept` header: OpenMetrics 1.0 when the client prefers
 * `application/openmetrics-text` (version 1.0.0 or 0.0.1), otherwise Prometheus text 0.0.4, which is also the
 * answer to a missing header (`undefined`, or `null` from `Headers.get`), to `*` `/` `*` and to anything we cannot
 * serve: no header value makes it throw. Quality values decide; on a tie the more specific range, then the one
 * listed first, wins.
 *
 * @example
 * ```ts
 * const { format, contentType } = negotiate(request.headers.accept);
 * const body = await generateMetrics(registry, { format });
 * response.writeHead(200, { 'content-type': contentType }).end(body);
 * ```
 */
export function negotiate(accept: string | null | undefined): Negotiated {
  // Whatever a client sends is answered; only a caller passing something that is not a header value is refused.
  if (accept === undefined || accept === null) return FALLBACK;
  if (typeof accept !== 'string') {
    throw new InvalidArgumentError(
      `negotiate() takes the Accept header's value (a string, or undefined or null when absent), got ${describeValue(accept)}`,
    );
  }
  if (accept.trim() === '') return FALLBACK;
  const ranges = parseAccept(accept);
  let best: { offer: Offer; range: MediaRange; specificity: number } | undefined;
  for (const offer of OFFERS) {
    // The range that applies to an offer is the most specific one that matches it (the first such one).
    let match: { range: MediaRange; specificity: number } | undefined;
    for (const range of ranges) {
      const s = specificity(range, offer);
      if (s > (match?.specificity ?? -1)) match = { range, specificity: s };
    }
    if (match === undefined || match.range.q === 0) continue;
    if (
      best === undefined ||
      match.range.q > best.range.q ||
      (match.range.q === best.range.q &&
        (match.specificity > best.specificity ||
          (match.specificity === best.specificity && match.range.position < best.range.position)))
    ) {
      best = { offer, ...match };
    }
  }
  if (best === undefined) return FALLBACK;
  return { format: best.offer.format, contentType: contentTypeOf(best.offer, best.range) };
}
