import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MemoryBackend } from '@pytheus/backend-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingBackend } from '../test/fixtures/recording-backend.js';
import { generateMetrics } from '../test/judges/judges.js';
import type { BackendSample, LocalNumbers, MetricDescriptor } from './for-backends.js';
import {
  type BackendConfig,
  BackendError,
  CollectorRegistry,
  Counter,
  closeBackend,
  currentBackend,
  flushBackend,
  Gauge,
  Histogram,
  loadBackend,
  Summary,
} from './index.js';

afterEach(() => {
  loadBackend({ backendClass: MemoryBackend });
});

describe('a backend that keeps numbers in process (static attach)', () => {
  it('is attached once per metric at its first use, and reads the numbers core writes', async () => {
    const attached: LocalNumbers[] = [];
    const sets: [string, number][] = [];
    class Watching {
      static attach(_config: BackendConfig, numbers: LocalNumbers) {
        attached.push(numbers);
        return { set: (index: number) => sets.push([numbers.metric.name, index]) };
      }
    }
    loadBackend({ backendClass: Watching, backendConfig: {} });
    const registry = new CollectorRegistry();
    const counter = new Counter('attached_total', 'c', { registry, requiredLabels: ['a'] });
    const gauge = new Gauge('attached_value', 'g', { registry, requiredLabels: ['a'] });
    const histogram = new Histogram('attached_seconds', 'h', { registry, buckets: [1] });
    expect(attached).toHaveLength(0); // nothing is used yet
    counter.labels({ a: 'x' }).inc(2);
    counter.labels({ a: 'y' }).inc();
    counter.labels({ a: 'x' }).inc(0.5);
    gauge.labels({ a: 'p' }).inc(3);
    gauge.labels({ a: 'q' }).set(7);
    gauge.labels({ a: 'q' }).dec();
    histogram.observe(0.5);
    histogram.observe(4);
    expect(attached.map((numbers) => numbers.metric.name)).toEqual([
      'attached_total',
      'attached_value',
      'attached_seconds',
    ]);
    const [counts, values, latencies] = attached as [LocalNumbers, LocalNumbers, LocalNumbers];
    expect([counts.seriesCount, counts.width, counts.parts, [...counts.numbers]]).toEqual([
      2,
      1,
      undefined,
      [2.5, 1],
    ]);
    expect(counts.labelValues(1)).toEqual(['y']);
    const seen: [number, string[]][] = [];
    counts.forEachSeries((index, labelValues) => seen.push([index, [...labelValues]]));
    expect(seen).toEqual([
      [0, ['x']],
      [1, ['y']],
    ]);
    expect([...values.numbers]).toEqual([3, 6]);
    expect(sets).toEqual([['attached_value', 1]]);
    expect([latencies.width, latencies.parts, [...latencies.numbers]]).toEqual([
      3,
      ['1.0', '+Inf', 'sum'],
      [1, 1, 4.5],
    ]);
    // Without a batch read, a scrape shows the numbers as core keeps them.
    expect(await generateMetrics(registry)).toContain('attached_total{a="x"} 2.5\nattached_total{a="y"} 1\n');
    counter.labels({ a: 'z' }).inc();
    expect(counts.seriesCount).toBe(3);
    expect(attached).toHaveLength(3); // attached once per metric
  });

  it('an attach that throws never reaches a write: the scrape fails with a BackendError that names the metric', async () => {
    class Refusing {
      static attach(): never {
        throw new Error('no room');
      }
    }
    loadBackend({ backendClass: Refusing });
    const registry = new CollectorRegistry();
    const counter = new Counter('refused_total', 'c', { registry });
    expect(() => counter.inc()).not.toThrow();
    const scrape = generateMetrics(registry);
    await expect(scrape).rejects.toThrow(BackendError);
    await expect(scrape).rejects.toThrow(
      'metric "refused_total": backend Refusing failed to attach it: no room',
    );
  });

  it('series that exist before the first use get their numbers at the first use', async () => {
    let view: LocalNumbers | undefined;
    class Late {
      static attach(_config: BackendConfig, numbers: LocalNumbers) {
        view = numbers;
      }
    }
    loadBackend({ backendClass: Late });
    const registry = new CollectorRegistry();
    const gauge = new Gauge('late_value', 'g', {
      registry,
      requiredLabels: ['a'],
      defaultLabels: { a: 'd' },
    });
    const held = gauge.labels({ a: 'b' });
    expect(view).toBeUndefined();
    held.set(4);
    expect([...view!.numbers]).toEqual([0, 4]);
  });
});

describe('a backend at fault never fails a write', () => {
  it('a constructor, a write or a set hook that throws: inc() and set() go on, the scrape names the metric', async () => {
    let failing: 'constructor' | 'inc' | undefined = 'constructor';
    class Fragile {
      value = 0;
      constructor() {
        if (failing === 'constructor') throw new Error('no connection');
      }
      inc(value: number) {
        if (failing === 'inc') throw new Error('buffer full');
        this.value += value;
      }
      dec() {}
      set() {}
      get() {
        return this.value;
      }
    }
    loadBackend({ backendClass: Fragile });
    const registry = new CollectorRegistry();
    const made = new Counter('made_total', 'c', { registry, requiredLabels: ['a'] });
    expect(() => made.labels({ a: 'x' }).inc(2)).not.toThrow();
    // Its numbers stay in this process, and the scrape says why they cannot be trusted.
    for (let scrape = 0; scrape < 2; scrape++) {
      await expect(generateMetrics(registry)).rejects.toThrow(
        new BackendError(
          'metric "made_total": backend Fragile failed to make the store of series {"a":"x"}: no connection',
        ),
      );
    }
    failing = 'inc';
    const other = new CollectorRegistry();
    const written = new Counter('written_total', 'c', { registry: other });
    expect(() => written.inc()).not.toThrow();
    await expect(generateMetrics(other)).rejects.toThrow(
      new BackendError('metric "written_total": backend Fragile failed a write (inc): buffer full'),
    );
    class Hooked {
      static attach() {
        return {
          set() {
            throw new Error('hook broke');
          },
        };
      }
    }
    loadBackend({ backendClass: Hooked });
    const third = new CollectorRegistry();
    const gauge = new Gauge('hooked', 'g', { registry: third });
    expect(() => gauge.set(1)).not.toThrow();
    await expect(generateMetrics(third)).rejects.toThrow(
      new BackendError('metric "hooked": backend Hooked failed to take a set: hook broke'),
    );
  });

  it('a get() that returns something other than a number fails the scrape, naming the metric', async () => {
    class Sloppy {
      inc() {}
      dec() {}
      set() {}
      get() {
        return Promise.resolve('3' as unknown as number);
      }
    }
    loadBackend({ backendClass: Sloppy });
    const registry = new CollectorRegistry();
    new Counter('sloppy_total', 'c', { registry }).inc();
    await expect(generateMetrics(registry)).rejects.toThrow(
      new BackendError(
        'reading metric "sloppy_total" failed: backend Sloppy\'s get() returned "3", not a number',
      ),
    );
  });
});

describe('loadBackend', () => {
  it('uses the memory backend by default', () => {
    expect(currentBackend().backendClass).toBe(MemoryBackend);
  });

  it('calls initialize once with the config, and metrics store through the loaded class', async () => {
    const config = { name: 'one' };
    loadBackend({ backendClass: RecordingBackend, backendConfig: config });
    expect(RecordingBackend.initialized.at(-1)).toBe(config);
    const registry = new CollectorRegistry();
    const counter = new Counter('loaded_total', 'c', { registry, requiredLabels: ['a'] });
    counter.labels({ a: 'x' }).inc(3);
    const store = RecordingBackend.stores.get(config)!;
    expect([...store]).toEqual([[JSON.stringify(['loaded_total', ['x'], null]), 3]]);
    // Reads are asynchronous for this backend; the exposition awaits them.
    expect(await generateMetrics(registry)).toBe(
      '# HELP loaded_total c\n# TYPE loaded_total counter\nloaded_total{a="x"} 3\n',
    );
  });

  it('metrics declared in an imported module before loadBackend end up on the loaded backend', async () => {
    const declared = await import('../test/fixtures/declared-metrics.js');
    const config = { name: 'late' };
    loadBackend({ backendClass: RecordingBackend, backendConfig: config });
    declared.requests.labels({ route: '/' }).inc();
    declared.latency.observe(0.5);
    const store = RecordingBackend.stores.get(config)!;
    expect(store.get(JSON.stringify(['declared_requests_total', ['/'], null]))).toBe(1);
    expect(store.get(JSON.stringify(['declared_latency_seconds', [], '1.0']))).toBe(1);
    expect(store.get(JSON.stringify(['declared_latency_seconds', [], 'sum']))).toBe(0.5);
    expect(await generateMetrics(declared.registry)).toContain('declared_latency_seconds_count 1\n');
  });

  it('a metric keeps the backend it was first used on (the documented rule)', async () => {
    const registry = new CollectorRegistry();
    const early = new Counter('early_total', 'c', { registry });
    early.inc();
    loadBackend({ backendClass: RecordingBackend, backendConfig: {} });
    early.inc();
    expect(await generateMetrics(registry)).toContain('early_total 2\n');
  });

  it('metrics created with registry: null (custom collectors) keep their values in this process', async () => {
    const config = {};
    loadBackend({ backendClass: RecordingBackend, backendConfig: config });
    const registry = new CollectorRegistry();
    registry.register({
      *collect() {
        // A snapshot built on every scrape: under a shared backend it must not add up across scrapes.
        const jobs = new Counter('collected_jobs_total', 'c', { registry: null });
        jobs.inc(4);
        yield jobs;
      },
    });
    const expected =
      '# HELP collected_jobs_total c\n# TYPE collected_jobs_total counter\ncollected_jobs_total 4\n';
    expect(await generateMetrics(registry)).toBe(expected);
    expect(await generateMetrics(registry)).toBe(expected);
    expect([...RecordingBackend.stores.get(config)!.keys()]).toEqual([]);
  });

  it('binds a metric that is first read (not written) by a scrape', async () => {
    const registry = new CollectorRegistry();
    new Gauge('read_first', 'g', { registry });
    const config = {};
    loadBackend({ backendClass: RecordingBackend, backendConfig: config });
    expect(await generateMetrics(registry)).toContain('read_first 0\n');
    expect([...RecordingBackend.stores.get(config)!.keys()]).toEqual([]);
  });

  it('uses a batch read when the backend has one, including series this process never created', async () => {
    const asked: MetricDescriptor[][] = [];
    class BatchBackend extends MemoryBackend {
      static async readMetrics(_config: BackendConfig, metrics: readonly MetricDescriptor[]) {
        asked.push([...metrics]);
        return metrics.map((metric): BackendSample[] => {
          if (metric.type === 'counter') {
            return [
              { labelValues: ['remote'], value: 5 },
              { labelValues: ['local'], value: 7 },
            ];
          }
          if (metric.type === 'histogram') {
            return [
              { labelValues: [], histogramBucket: '1.0', value: 2 },
              { labelValues: [], histogramBucket: '+Inf', value: 1 },
              { labelValues: [], histogramBucket: 'sum', value: 4.5 },
            ];
          }
          if (metric.type === 'gauge') {
            return [
              { labelValues: [], value: 1, extraLabels: { process: 'a' } },
              { labelValues: [], value: 2, extraLabels: { process: 'b"' } },
            ];
          }
          return [
            { labelValues: [], histogramBucket: 'count', value: 3 },
            { labelValues: [], histogramBucket: 'sum', value: 9 },
          ];
        });
      }
    }
    loadBackend({ backendClass: BatchBackend });
    const registry = new CollectorRegistry();
    const counter = new Counter('batch_total', 'c', { registry, requiredLabels: ['where'] });
    counter.labels({ where: 'local' }).inc();
    counter.labels({ where: 'unflushed' });
    new Histogram('batch_seconds', 'h', { registry, buckets: [1] });
    new Gauge('batch_memory_bytes', 'g', { registry, multiprocessMode: 'perProcess' });
    new Summary('batch_summary', 's', { registry });
    expect(await generateMetrics(registry)).toBe(`# HELP batch_total c
# TYPE batch_total counter
batch_total{where="local"} 7
batch_total{where="unflushed"} 0
batch_total{where="remote"} 5
# HELP batch_seconds h
# TYPE batch_seconds histogram
batch_seconds_bucket{le="1.0"} 2
batch_seconds_bucket{le="+Inf"} 3
batch_seconds_sum 4.5
batch_seconds_count 3
# HELP batch_memory_bytes g
# TYPE batch_memory_bytes gauge
batch_memory_bytes{process="a"} 1
batch_memory_bytes{process="b\\""} 2
# HELP batch_summary s
# TYPE batch_summary summary
batch_summary_sum 9
batch_summary_count 3
`);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.map((metric) => [metric.name, metric.type, metric.labelNames])).toEqual([
      ['batch_total', 'counter', ['where']],
      ['batch_seconds', 'histogram', []],
      ['batch_memory_bytes', 'gauge', []],
      ['batch_summary', 'summary', []],
    ]);
    expect(asked[0]![1]!.buckets).toEqual([1, Number.POSITIVE_INFINITY]);
    expect(asked[0]![2]!.multiprocessMode).toBe('perProcess');
  });

  it('a failing read rejects the scrape with a BackendError that names the metric', async () => {
    class Broken {
      inc() {}
      dec() {}
      set() {}
      get(): number {
        throw new Error('connection refused');
      }
    }
    class BrokenAsync {
      inc() {}
      dec() {}
      set() {}
      get(): Promise<number> {
        return Promise.reject(new Error('timeout'));
      }
    }
    loadBackend({ backendClass: BrokenAsync });
    const registry = new CollectorRegistry();
    new Counter('broken_total', 'c', { registry });
    await expect(generateMetrics(registry)).rejects.toThrow(
      new BackendError('reading metric "broken_total" failed: timeout'),
    );
    loadBackend({ backendClass: Broken });
    const other = new CollectorRegistry();
    new Counter('broken_total', 'c', { registry: other });
    await expect(generateMetrics(other)).rejects.toThrow('connection refused');
  });

  it('closes a backend loaded from the environment that code replaces before any metric used it', async () => {
    const fixture = join(import.meta.dirname, '..', 'test', 'fixtures', 'closing-backend.mjs');
    const closed = () =>
      (globalThis as { pytheusClosingBackendClosed?: number }).pytheusClosingBackendClosed ?? 0;
    const saved = process.env.PYTHEUS_BACKEND_CLASS;
    process.env.PYTHEUS_BACKEND_CLASS = `${fixture}#ClosingBackend`;
    try {
      loadBackend(); // from the environment, as the first metric would
      loadBackend({ backendClass: MemoryBackend }); // then in code
      expect(closed()).toBe(1);
      loadBackend();
      new Counter('bound_total', 'c', { registry: new CollectorRegistry() }).inc(); // a metric uses this one
      loadBackend({ backendClass: MemoryBackend });
      expect(closed()).toBe(1); // kept open for its metric
    } finally {
      if (saved === undefined) delete process.env.PYTHEUS_BACKEND_CLASS;
      else process.env.PYTHEUS_BACKEND_CLASS = saved;
    }
  });

  it('flushBackend and closeBackend call the hooks of the loaded backend with its config', async () => {
    const calls: string[] = [];
    class Hooked extends MemoryBackend {
      static async flush(config: BackendConfig) {
        calls.push(`flush ${config.id}`);
      }
      static async close(config: BackendConfig) {
        calls.push(`close ${config.id}`);
      }
    }
    loadBackend({ backendClass: Hooked, backendConfig: { id: 7 } });
    await flushBackend();
    await closeBackend();
    expect(calls).toEqual(['flush 7', 'close 7']);
    loadBackend({ backendClass: MemoryBackend });
    await expect(flushBackend()).resolves.toBeUndefined();
  });
});

describe('loadBackend rejects bad classes and configs with BackendError', () => {
  it.each([
    [42, 'loadBackend: backendClass: expected a backend class, got number 42'],
    [
      class NoMethods {},
      'loadBackend: backendClass: class NoMethods is not a backend: it has no static attach(), and its instances lack inc, dec, set, get',
    ],
    [
      class Half {
        inc() {}
        get() {}
      },
      'class Half is not a backend: it has no static attach(), and its instances lack dec, set',
    ],
    [
      Object.assign(class Hooks extends MemoryBackend {}, { flush: 'no' }),
      'static flush of Hooks must be a function',
    ],
    [Object.assign(class Attaching {}, { attach: 1 }), 'static attach of Attaching must be a function'],
  ])('class %#', (backendClass, message) => {
    expect(() => loadBackend({ backendClass: backendClass as never })).toThrow(BackendError);
    expect(() => loadBackend({ backendClass: backendClass as never })).toThrow(message);
  });

  it('refuses a config that is not an object', () => {
    expect(() => loadBackend({ backendClass: MemoryBackend, backendConfig: 'redis://x' as never })).toThrow(
      'loadBackend: backendConfig: expected an object, got "redis://x"',
    );
    expect(() => loadBackend({ backendClass: MemoryBackend, backendConfig: [] as never })).toThrow(
      'backendConfig: expected an object, got an array',
    );
  });

  it('wraps a failing initialize hook', () => {
    class Failing extends MemoryBackend {
      static initialize() {
        throw new Error('no host');
      }
    }
    expect(() => loadBackend({ backendClass: Failing })).toThrow(
      'backend Failing failed to initialize: no host',
    );
    expect(currentBackend().backendClass).toBe(MemoryBackend);
  });
});

describe('PYTHEUS_BACKEND_CLASS and PYTHEUS_BACKEND_CONFIG', () => {
  it('count as unset where the runtime does not grant reading them (Deno without --allow-env)', () => {
    const holder = globalThis as { Deno?: unknown };
    const saved = process.env.PYTHEUS_BACKEND_CLASS;
    const asked: string[] = [];
    process.env.PYTHEUS_BACKEND_CLASS = './not-there.mjs#Nope';
    holder.Deno = {
      permissions: {
        querySync: ({ variable }: { variable: string }) => {
          asked.push(variable);
          return { state: 'prompt' };
        },
      },
    };
    try {
      expect(loadBackend().backendClass).toBe(MemoryBackend);
      expect(asked).toEqual(['PYTHEUS_BACKEND_CLASS', 'PYTHEUS_BACKEND_CONFIG']);
      holder.Deno = { permissions: { querySync: () => ({ state: 'granted' }) } };
      expect(() => loadBackend()).toThrow('PYTHEUS_BACKEND_CLASS: cannot load module "./not-there.mjs"');
    } finally {
      delete holder.Deno;
      if (saved === undefined) delete process.env.PYTHEUS_BACKEND_CLASS;
      else process.env.PYTHEUS_BACKEND_CLASS = saved;
    }
  });

  const run = promisify(execFile);
  const fixtures = join(import.meta.dirname, '../test/fixtures');
  const child = (env: Record<string, string>) =>
    run(
      process.execPath,
      ['--conditions=@pytheus/source', '--import', 'tsx', join(fixtures, 'env-child.ts')],
      {
        cwd: fixtures,
        env: { ...process.env, PYTHEUS_BACKEND_CLASS: '', PYTHEUS_BACKEND_CONFIG: '', ...env },
      },
    ).then((result) => result.stdout);
  const dir = mkdtempSync(join(tmpdir(), 'pytheus-env-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('loads the named class and config on first use, with no code', async () => {
    const config = file('config.json', '{"host": "127.0.0.1", "port": 6379}');
    const out = await child({
      PYTHEUS_BACKEND_CLASS: './env-backend.mjs#EnvBackend',
      PYTHEUS_BACKEND_CONFIG: config,
    });
    expect(out).toBe(
      '{"backend":"EnvBackend","config":{"host":"127.0.0.1","port":6379}}\n' +
        '# HELP env_total Counted through the environment backend\n# TYPE env_total counter\nenv_total 20\n',
    );
  });

  it('uses the memory backend when neither variable is set', async () => {
    expect(await child({})).toMatch(/^\{"backend":"MemoryBackend","config":\{\}\}\n/);
  });

  it.each([
    [
      { PYTHEUS_BACKEND_CLASS: './missing.mjs#X' },
      'BackendError: PYTHEUS_BACKEND_CLASS: cannot load module "./missing.mjs": ',
    ],
    [
      { PYTHEUS_BACKEND_CLASS: './env-backend.mjs#Nope' },
      'BackendError: PYTHEUS_BACKEND_CLASS: module "./env-backend.mjs" has no export "Nope" (its exports: EnvBackend, notAClass)',
    ],
    [
      { PYTHEUS_BACKEND_CLASS: './env-backend.mjs#notAClass' },
      'BackendError: PYTHEUS_BACKEND_CLASS: export "notAClass" of "./env-backend.mjs": expected a backend class, got number 42',
    ],
    [{ PYTHEUS_BACKEND_CLASS: '#X' }, 'BackendError: PYTHEUS_BACKEND_CLASS: cannot load module "#X"'],
    [
      {
        PYTHEUS_BACKEND_CLASS: './env-backend.mjs#EnvBackend',
        PYTHEUS_BACKEND_CONFIG: '/nonexistent/config.json',
      },
      'BackendError: PYTHEUS_BACKEND_CONFIG: cannot read "/nonexistent/config.json": ',
    ],
  ])('names the variable and the problem: %o', async (env, message) => {
    expect(await child(env)).toContain(message);
  });

  it('rejects a config file that is not JSON, or not an object', async () => {
    const broken = file('broken.json', '{host: 1');
    expect(await child({ PYTHEUS_BACKEND_CONFIG: broken })).toContain(
      `BackendError: PYTHEUS_BACKEND_CONFIG: "${broken}" is not valid JSON: `,
    );
    const list = file('list.json', '[1, 2]');
    expect(await child({ PYTHEUS_BACKEND_CONFIG: list })).toBe(
      `BackendError: PYTHEUS_BACKEND_CONFIG: "${list}": expected an object, got an array\n`,
    );
  });
});
