// The README's runtime metrics: started with a label of their own, read at a scrape, stopped. test/readme.test.ts
// reads the scrape and the handle.
export { runtime, text };

// #region runtime
import { generateMetrics } from '@pytheus/core';
import { collectRuntimeMetrics } from '@pytheus/core/node';

const runtime = collectRuntimeMetrics({ labels: { service: 'checkout' } }); // registry, prefix: optional
const text = await generateMetrics(); // process_cpu_seconds_total{service="checkout"} 0.09 ...

runtime.stop(); // in tests, or on hot reload
// #endregion runtime
