// Helpers for the tests of this repository's packages (not published): real parts, started and judged the same way
// everywhere.
export { type ChildApp, startChildApp } from './child.js';
export { close, closeAfterEach, hangUp, listen, portOf, type Reply, send } from './client.js';
export { withEnv } from './env.js';
export { eventually } from './eventually.js';
export { freePort } from './port.js';
export { type PrometheusSample, TestPrometheus } from './prometheus.js';
export { promtool } from './promtool.js';
export {
  codeBlocks,
  describeReadmeExamples,
  linkTargets,
  type ReadmeBlock,
  type ReadmeExamplesOptions,
  regionOf,
  shippedLinkProblems,
} from './readme.js';
export { TestRedis } from './redis.js';
export { durationLines, idleInFlight, inFlightLines } from './series.js';
export { signal } from './signal.js';
