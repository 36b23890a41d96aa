// The request series of an adapter's exposition, as short lines that a test compares whole.
import { hostname } from 'node:os';

/** `method route status count` for every series of the duration histogram, in exposition order. */
export function durationLines(text: string): string[] {
  return [...text.matchAll(/^http_request_duration_seconds_count\{(.*)\} (\d+)$/gm)].map(([, labels, n]) => {
    const label = (name: string) => new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(labels!)?.[1];
    return `${label('method')} ${label('route')} ${label('status_code')} ${n}`;
  });
}

/** The samples of the in-flight gauge (of `method` only, if given), sorted. */
export function inFlightLines(text: string, method?: string): string[] {
  const start =
    method === undefined ? 'http_requests_in_flight{' : `http_requests_in_flight{method="${method}"`;
  return text
    .split('\n')
    .filter((line) => line.startsWith(start))
    .sort();
}

/**
 * The in-flight samples of processes `pids` of this host when none has a `method` request in flight: in flight
 * is kept per process (a process that dies takes its count with it), so one series each, at zero; sorted.
 */
export function idleInFlight(pids: readonly number[], method = 'GET'): string[] {
  return pids
    .map((pid) => `http_requests_in_flight{method="${method}",process="${hostname()}:${pid}"} 0`)
    .sort();
}
