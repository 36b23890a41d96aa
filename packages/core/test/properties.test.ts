// The property tests of test/properties/model.ts on the memory backend (numbers in process) and on an instance
// backend (a store per number, read asynchronously), with any double as a value. The Redis backend runs the same
// properties in packages/backend-testkit/test/redis-properties.test.ts.
import { MemoryBackend } from '@pytheus/backend-memory';
import { loadBackend } from '@pytheus/core';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { RecordingBackend } from './fixtures/recording-backend.js';
import { anyNumber, runScenario, scenario, stats } from './properties/model.js';

// PYTHEUS_PROPERTY_RUNS raises the number of runs for a longer search; the default keeps the suite quick.
const RUNS = Number(process.env.PYTHEUS_PROPERTY_RUNS ?? 200);

afterAll(() => {
  loadBackend({ backendClass: MemoryBackend });
  // What the runs got through: a model is only as good as the calls that reach it.
  console.info(`properties: ${JSON.stringify(stats)}`);
});

describe('properties: random registries, metrics, labels, buckets and writes, judged and read back', () => {
  it(`on the memory backend (${RUNS} runs)`, async () => {
    const memory = { start: () => void loadBackend({ backendClass: MemoryBackend }), stop: () => {} };
    await fc.assert(
      fc.asyncProperty(scenario(anyNumber), (s) => runScenario(s, memory)),
      { numRuns: RUNS },
    );
  }, 300_000);

  it(`on an instance backend, read asynchronously (${Math.ceil(RUNS / 2)} runs)`, async () => {
    const instances = {
      start: () => void loadBackend({ backendClass: RecordingBackend, backendConfig: {} }),
      stop: () => void loadBackend({ backendClass: MemoryBackend }),
    };
    await fc.assert(
      fc.asyncProperty(scenario(anyNumber), (s) => runScenario(s, instances)),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, 300_000);
});
