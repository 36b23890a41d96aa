import { measure as mitataMeasure } from 'mitata';
import type { Operation } from './section.js';

/** Timing of one operation, in nanoseconds per call. */
export interface Timing {
  /** Median of the samples: the figure the tables show and the ratios use. */
  ns: number;
  min: number;
  avg: number;
  p75: number;
  p99: number;
  /** Samples taken (each a batch of calls for fast operations) and calls made in all. */
  samples: number;
  calls: number;
}

export interface MeasureOptions {
  /** Time spent calling the operation before any sample, so that V8 has optimized it. Default 200 ms. */
  warmupMs?: number;
  /** Time spent sampling. Default 600 ms. */
  sampleMs?: number;
  /** Rounds of warm-up plus sampling; the round with the lowest median wins. Default 2 (env BENCH_ROUNDS). */
  rounds?: number;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A full collection before a heap reading; the process must run with `--expose-gc`. */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run the section process with --expose-gc');
  // Twice: the first pass may leave objects that only the second finds unreachable (weak references).
  collect();
  collect();
}

async function warmUp(op: Operation, ms: number): Promise<void> {
  const end = performance.now() + ms;
  // Batches of calls keep the clock out of the loop that V8 optimizes; a batch grows while it is short.
  let batch = 1;
  while (performance.now() < end) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) {
      const result = op();
      if (result instanceof Promise) await result;
    }
    if (performance.now() - start < 1 && batch < 1e6) batch *= 2;
  }
}

/**
 * Times `op` with mitata (batched calls for fast operations, at least 12 samples and `sampleMs` of CPU time),
 * after a warm-up of `warmupMs`. On a shared machine one round can be disturbed, so it takes the best median of
 * `rounds` rounds.
 */
export async function measure(op: Operation, options: MeasureOptions = {}): Promise<Timing> {
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 2);
  const sampleMs = options.sampleMs ?? Number(process.env.BENCH_SAMPLE_MS ?? 600);
  let best: Timing | undefined;
  for (let round = 0; round < rounds; round++) {
    collectGarbage();
    await warmUp(op, options.warmupMs ?? 200);
    const gc = (globalThis as { gc?: () => void }).gc;
    const stats = await mitataMeasure(op, {
      // mitata's own stand-in for a missing gc allocates a gigabyte: use the real one or none.
      gc: gc ?? false,
      min_cpu_time: sampleMs * 1e6,
      min_samples: 20,
    });
    const timing: Timing = {
      ns: stats.p50,
      min: stats.min,
      avg: stats.avg,
      p75: stats.p75,
      p99: stats.p99,
      samples: stats.samples.length,
      calls: stats.ticks,
    };
    if (best === undefined || timing.ns < best.ns) best = timing;
  }
  return best!;
}
