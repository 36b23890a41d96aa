// The request series of an adapter's exposition, as short lines that a test compares whole.

/** `method route status count` for every series of the duration histogram, in exposition order. */
export function durationLines(text: string): string[] {
  return [...text.matchAll(/^http_request_duration_seconds_count\{(.*)\} (\d+)$/gm)].map(([, labels, n]) => {
    const label = (name: string) => new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(labels!)?.[1];
    return `${label('method')} ${label('route')} ${label('status_code')} ${n}`;
  });
}
