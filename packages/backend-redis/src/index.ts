export { RedisBackend } from './backend.js';
export type { RedisBackendConfig, RedisNode } from './config.js';

import { RedisBackend } from './backend.js';

export default RedisBackend;
