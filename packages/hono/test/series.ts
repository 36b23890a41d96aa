// What the tests read back (the request series, through the shared helpers) and the route most tests serve.
import { type CollectorRegistry, generateMetrics } from '@pytheus/core';
import { durationLines, inFlightLines } from '@pytheus/test-support';
import type { Hono } from 'hono';

export async function durations(registry: CollectorRegistry): Promise<string[]> {
  return durationLines(await generateMetrics(registry));
}

export async function inFlight(registry: CollectorRegistry): Promise<string[]> {
  return inFlightLines(await generateMetrics(registry));
}

/** The route most tests serve. */
export function users(app: Hono): void {
  app.get('/users/:id', (c) => c.text(`user ${c.req.param('id')}`));
}
