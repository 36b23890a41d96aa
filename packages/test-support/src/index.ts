// Helpers for the tests of this repository's packages (not published): real parts, started and judged the same way
// everywhere.
export { promtool } from './promtool.js';
export { TestRedis } from './redis.js';
