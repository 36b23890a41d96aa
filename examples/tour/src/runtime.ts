// The tour, part 9: Prometheus' process metrics and Node's runtime metrics, in one call.
import { CollectorRegistry, generateMetrics } from '@pytheus/core';
import { collectRuntimeMetrics } from '@pytheus/core/node';

const registry = new CollectorRegistry();

// #region runtime
const runtime = collectRuntimeMetrics({ registry, labels: { service: 'checkout' } }); // all options optional
// ... the registry now shows CPU, memory, heap spaces, event-loop delay, GC pauses ...
// #endregion runtime

const text = await generateMetrics(registry);
console.log(
  text
    .split('\n')
    .filter((line) => line.startsWith('# TYPE'))
    .join('\n'),
);
// #region runtime-stop
runtime.stop(); // in tests, or on hot reload
// #endregion runtime-stop
