// The memory backend runs the conformance kit that every pytheus backend runs. The kit is imported by path, not
// as a dependency: @pytheus/core depends on this package, and the kit on core, so a dependency would be a cycle.
import { describeBackendConformance } from '../../backend-testkit/src/index.js';
import { MemoryBackend } from './index.js';

describeBackendConformance({
  name: 'MemoryBackend',
  load: () => ({ backendClass: MemoryBackend, backendConfig: {} }),
});
