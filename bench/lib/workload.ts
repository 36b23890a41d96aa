// Inputs every library gets alike: realistic label values and observations, built once, so that the operation
// timed is the metric call and not the making of its arguments.

/** The histogram buckets every library uses (the common web-latency defaults). */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const ROUTES = ['/users', '/users/:id', '/orders', '/orders/:id'];
const STATUSES = ['200', '201', '404', '500'];

export interface RequestLabels {
  method: string;
  route: string;
  status: string;
}

/** 64 label sets of three labels, cycled through by the labelled cases (`i & 63`). */
export const THREE_LABELS: readonly RequestLabels[] = METHODS.flatMap((method) =>
  ROUTES.flatMap((route) => STATUSES.map((status) => ({ method, route, status }))),
);

/** 16 label sets of two labels (`i & 15`). */
export const TWO_LABELS: readonly { method: string; route: string }[] = METHODS.flatMap((method) =>
  ROUTES.map((route) => ({ method, route })),
);

/** 1024 request durations in seconds, spread over the buckets like real latencies (mostly fast, a long tail). */
export const LATENCIES: readonly number[] = Array.from({ length: 1024 }, (_, i) => {
  // A fixed sequence (no Math.random), so that every run and every library sees the same values.
  const u = ((i * 7919) % 1024) / 1024 + 1 / 2048;
  return Math.round(-Math.log(1 - u) * 0.08 * 1e6) / 1e6;
});

/** Values for gauges: queue depths and the like. */
export const GAUGE_VALUES: readonly number[] = Array.from({ length: 1024 }, (_, i) => (i * 37) % 500);

/** A small piece of synchronous work to time: sums part of an array. */
const WORK = Array.from({ length: 64 }, (_, i) => i);
export function work(): number {
  let total = 0;
  for (const value of WORK) total += value;
  return total;
}
