// Helpers for the tests of this repository's packages (not published): real parts, started and judged the same way
// everywhere.
export { type ChildApp, startChildApp } from './child.js';
export { close, eventually, hangUp, listen, type Reply, send } from './client.js';
export { promtool } from './promtool.js';
export { TestRedis } from './redis.js';
