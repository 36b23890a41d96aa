import { type CollectorRegistry, Counter, Gauge, Histogram } from '@pytheus/core';

/** The metrics every worker of the multi-process tests defines, in the same order. */
export function defineWorkerMetrics(registry?: CollectorRegistry) {
  const options = registry === undefined ? {} : { registry };
  return {
    jobs: new Counter('jobs_total', 'jobs done', { ...options, requiredLabels: ['kind'] }),
    duration: new Histogram('job_duration_seconds', 'job duration', { ...options, buckets: [0.25, 0.5, 1] }),
    inFlight: new Gauge('jobs_in_flight', 'jobs in flight', options),
    memory: new Gauge('worker_memory_bytes', 'memory', { ...options, multiprocessMode: 'perProcess' }),
  };
}

/** The exposition that `workers` workers of `iterations` each add up to, without the per-process lines. */
export function expectedTotals(workers: number, iterations: number): string {
  const even = workers * Math.ceil(iterations / 2);
  const odd = workers * Math.floor(iterations / 2);
  const byRest = [0, 1, 2].map((rest) => workers * Math.floor((iterations - rest + 2) / 3));
  const sum = 0.5 * byRest[1]! + 1 * byRest[2]!;
  const total = byRest[0]! + byRest[1]! + byRest[2]!;
  return [
    '# HELP jobs_total jobs done',
    '# TYPE jobs_total counter',
    `jobs_total{kind="even"} ${even}`,
    `jobs_total{kind="odd"} ${odd}`,
    '# HELP job_duration_seconds job duration',
    '# TYPE job_duration_seconds histogram',
    `job_duration_seconds_bucket{le="0.25"} ${byRest[0]}`,
    `job_duration_seconds_bucket{le="0.5"} ${byRest[0]! + byRest[1]!}`,
    `job_duration_seconds_bucket{le="1.0"} ${total}`,
    `job_duration_seconds_bucket{le="+Inf"} ${total}`,
    `job_duration_seconds_sum ${sum}`,
    `job_duration_seconds_count ${total}`,
    '# HELP jobs_in_flight jobs in flight',
    '# TYPE jobs_in_flight gauge',
    `jobs_in_flight ${workers * (iterations - Math.ceil(iterations / 3))}`,
    '# HELP worker_memory_bytes memory',
    '# TYPE worker_memory_bytes gauge',
  ].join('\n');
}
