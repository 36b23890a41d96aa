// What the tests read back: the request series as short lines, and the route most tests serve.
import { type CollectorRegistry, generateMetrics } from '@pytheus/core';
import type { Hono } from 'hono';

/** `method route status count` for every series of the duration histogram, in exposition order. */
export function durationLines(text: string): string[] {
  return [...text.matchAll(/^http_request_duration_seconds_count\{(.*)\} (\d+)$/gm)].map(([, labels, n]) => {
    const label = (name: string) => new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(labels!)?.[1];
    return `${label('method')} ${label('route')} ${label('status_code')} ${n}`;
  });
}

export async function durations(registry: CollectorRegistry): Promise<string[]> {
  return durationLines(await generateMetrics(registry));
}

export async function inFlight(registry: CollectorRegistry): Promise<string[]> {
  const text = await generateMetrics(registry);
  return text.split('\n').filter((line) => line.startsWith('http_requests_in_flight{'));
}

/** The route most tests serve. */
export function users(app: Hono): void {
  app.get('/users/:id', (c) => c.text(`user ${c.req.param('id')}`));
}
