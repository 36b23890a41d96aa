import { type CollectorRegistry, Counter, Gauge, Histogram, Summary } from '@pytheus/core';
import { ADVERSARIAL_PAIRS, ADVERSARIAL_VALUES } from './values.js';

/**
 * A scenario declares metrics in a registry and returns the writes to make. It declares every child it writes
 * to, so that the same declaration in a fresh registry (a fresh load of the same storage, reading what another
 * "process" wrote) lists the same series in the same order, whether the backend reads series by series or in a
 * batch. Observed values are sums of binary fractions, so a backend that adds in another order or precision
 * (Redis' INCRBYFLOAT, a database's DOUBLE) still gets exactly the memory backend's numbers.
 */
export interface Scenario {
  declare(registry: CollectorRegistry): () => void;
}

/** Counters with no labels, required labels set at once and in another order, partial labels chained, defaults. */
export const counters: Scenario = {
  declare(registry) {
    const plain = new Counter('plain_total', 'A counter without labels', { registry });
    const requests = new Counter('requests_total', 'Requests by method and route', {
      registry,
      requiredLabels: ['method', 'route'],
    });
    const gets = requests.labels({ method: 'GET' });
    const getUsers = gets.labels({ route: '/users' });
    const postUsers = requests.labels({ route: '/users', method: 'POST' });
    requests.labels({ method: 'DELETE', route: '/' }); // declared, never written: exposed as 0
    const jobs = new Counter('jobs_total', 'Jobs by queue, region defaults to eu', {
      registry,
      requiredLabels: ['queue', 'region'],
      defaultLabels: { region: 'eu' },
    });
    const mail = jobs.labels({ queue: 'mail' });
    const mailExplicit = jobs.labels({ region: 'eu', queue: 'mail' }); // the same series as `mail`
    const mailUs = jobs.labels({ queue: 'mail', region: 'us' });
    const retries = new Counter('retries_total', 'Every label has a default', {
      registry,
      requiredLabels: ['kind'],
      defaultLabels: { kind: 'soft' },
    });
    const chained = new Counter('chained_total', 'Three labels set one at a time', {
      registry,
      requiredLabels: ['a', 'b', 'c'],
    });
    const ab = chained.labels({ a: '1' }).labels({ b: '2' });
    const abc = ab.labels({ c: '3' });
    const abd = ab.labels({ c: '4' });
    return () => {
      plain.inc();
      plain.inc(2.5);
      plain.inc(0);
      getUsers.inc(3);
      postUsers.inc();
      mail.inc();
      mailExplicit.inc(4);
      mailUs.inc(8);
      retries.inc(16);
      abc.inc(32);
      abd.inc(0.125);
    };
  },
};

/** Gauges: set, inc and dec, negative and fractional values, the last set winning, shared mode named. */
export const gauges: Scenario = {
  declare(registry) {
    const temperature = new Gauge('temperature_celsius', 'A gauge without labels', { registry });
    const queued = new Gauge('queued_jobs', 'Jobs by queue', { registry, requiredLabels: ['queue'] });
    const mail = queued.labels({ queue: 'mail' });
    const sms = queued.labels({ queue: 'sms' });
    const push = queued.labels({ queue: 'push' });
    queued.labels({ queue: 'idle' }); // never written
    const pool = new Gauge('pool_connections', 'Connections by pool and state, shared across processes', {
      registry,
      requiredLabels: ['pool', 'state'],
      defaultLabels: { state: 'open' },
      multiprocessMode: 'shared',
    });
    const primaryOpen = pool.labels({ pool: 'primary' });
    const primaryBusy = pool.labels({ pool: 'primary' }).labels({ state: 'busy' });
    return () => {
      temperature.set(21.5);
      temperature.inc(0.25);
      temperature.dec(1.75);
      mail.inc(5);
      mail.dec(2);
      sms.dec(3);
      push.set(7);
      push.set(-0.5);
      push.inc(10);
      push.set(1);
      push.inc();
      primaryOpen.set(12);
      primaryBusy.inc(4);
      primaryBusy.dec(1.5);
    };
  },
};

/** Histograms: custom and default buckets, values on a bound, below the first and above the last, labels. */
export const histograms: Scenario = {
  declare(registry) {
    const latency = new Histogram('latency_seconds', 'Custom buckets, no labels', {
      registry,
      buckets: [0.25, 1, 2.5, 10],
    });
    const sizes = new Histogram('payload_bytes', 'Custom buckets with labels', {
      registry,
      buckets: [64, 1024],
      requiredLabels: ['direction', 'route'],
      defaultLabels: { direction: 'in' },
    });
    const inUsers = sizes.labels({ route: '/users' });
    const outUsers = sizes.labels({ direction: 'out' }).labels({ route: '/users' });
    sizes.labels({ route: '/idle' }); // never observed
    const defaults = new Histogram('default_buckets_seconds', 'Default buckets', { registry });
    return () => {
      for (const value of [0.25, 0.5, 1, 2.5, 3, 100, -2, 0]) latency.observe(value);
      inUsers.observe(64);
      inUsers.observe(65);
      inUsers.observe(4096);
      outUsers.observe(0.5);
      defaults.observe(0.75);
      defaults.observe(0.005);
    };
  },
};

/** Summaries: sum and count, with and without labels, negative and zero observations. */
export const summaries: Scenario = {
  declare(registry) {
    const size = new Summary('upload_size_bytes', 'A summary without labels', { registry, unit: 'bytes' });
    const duration = new Summary('task_duration_seconds', 'Tasks by name', {
      registry,
      requiredLabels: ['task'],
    });
    const index = duration.labels({ task: 'index' });
    const purge = duration.labels({ task: 'purge' });
    duration.labels({ task: 'idle' }); // never observed
    return () => {
      size.observe(1024);
      size.observe(0.5);
      index.observe(1.5);
      index.observe(-1);
      index.observe(0);
      purge.observe(4);
    };
  },
};

/**
 * Distinct label sets that naive keys merge, each written with its own amount so that any merge, loss or swap
 * shows. Also metric names that look like a name joined with a label value, and label values that look like the
 * parts of a histogram.
 */
export const adversarialLabels: Scenario = {
  declare(registry) {
    const single = new Counter('single_label_total', 'One label, adversarial values', {
      registry,
      requiredLabels: ['value'],
    });
    const singles = ADVERSARIAL_VALUES.map((value) => single.labels({ value }));
    const pair = new Gauge('label_pairs', 'Two labels, values that collide when joined', {
      registry,
      requiredLabels: ['a', 'b'],
    });
    const pairs = ADVERSARIAL_PAIRS.map(([a, b]) => pair.labels({ a, b }));
    const kv = new Counter('kv', 'Label values that look like other metric names', {
      registry,
      requiredLabels: ['k'],
    });
    const kvChildren = ['x', 'x:y', 'x_y', '', 'k="x"'].map((k) => kv.labels({ k }));
    const lookalikes = ['kv:x', 'kv_x', 'kv:x:y', 'kv_x_y'].map(
      (name) => new Gauge(name, 'A metric named like another metric and a label value', { registry }),
    );
    const parts = new Histogram('parts_seconds', 'Label values named like histogram parts', {
      registry,
      buckets: [1],
      requiredLabels: ['part'],
    });
    const partChildren = ['sum', 'count', '+Inf', '1.0', 'le', ''].map((part) => parts.labels({ part }));
    return () => {
      for (const [i, child] of singles.entries()) child.inc(i + 1);
      for (const [i, child] of pairs.entries()) child.set(i + 1);
      for (const [i, child] of kvChildren.entries()) child.inc(100 + i);
      for (const [i, gauge] of lookalikes.entries()) gauge.set(200 + i);
      for (const [i, child] of partChildren.entries()) {
        for (let n = 0; n <= i; n++) child.observe(i % 2 === 0 ? 0.5 : 2);
      }
    };
  },
};

/** Every metric type and label shape above, declared and never written. */
export const declaredOnly: Scenario = {
  declare(registry) {
    for (const scenario of [counters, gauges, histograms, summaries]) scenario.declare(registry);
    return () => {};
  },
};

/** Gauge values a backend must keep as they are: infinities, NaN, extremes, negative zero, long fractions. */
export const specialValues: Scenario = {
  declare(registry) {
    const gauge = new Gauge('special_values', 'Values that must survive storage', {
      registry,
      requiredLabels: ['case'],
    });
    const cases: [string, number][] = [
      ['nan', Number.NaN],
      ['plus_inf', Number.POSITIVE_INFINITY],
      ['minus_inf', Number.NEGATIVE_INFINITY],
      ['negative_zero', -0],
      ['max', Number.MAX_VALUE],
      ['min', Number.MIN_VALUE],
      ['max_safe_integer', Number.MAX_SAFE_INTEGER],
      ['tiny', 1e-300],
      ['third', 1 / 3],
      ['negative', -123.456],
    ];
    const children = cases.map(([name, value]) => [gauge.labels({ case: name }), value] as const);
    return () => {
      for (const [child, value] of children) child.set(value);
    };
  },
};

/** Writes whose order does not matter (no gauge `set`), for several writers at once. */
export const additive: Scenario = {
  declare(registry) {
    const requests = new Counter('requests_total', 'Requests', {
      registry,
      requiredLabels: ['method', 'status'],
      defaultLabels: { status: '200' },
    });
    const get200 = requests.labels({ method: 'GET' });
    const get500 = requests.labels({ method: 'GET', status: '500' });
    const post = requests.labels({ method: 'POST' });
    const plain = new Counter('events_total', 'Events', { registry });
    const inFlight = new Gauge('in_flight', 'Requests in flight', { registry, requiredLabels: ['route'] });
    const users = inFlight.labels({ route: '/users' });
    const items = inFlight.labels({ route: '/items' });
    const latency = new Histogram('latency_seconds', 'Latency', {
      registry,
      buckets: [0.25, 1],
      requiredLabels: ['route'],
    });
    const latencyUsers = latency.labels({ route: '/users' });
    const sizes = new Summary('size_bytes', 'Sizes', { registry });
    return () => {
      get200.inc();
      get500.inc(2);
      post.inc(0.5);
      plain.inc();
      users.inc(3);
      users.dec(1);
      items.dec(0.25);
      latencyUsers.observe(0.125);
      latencyUsers.observe(0.75);
      latencyUsers.observe(4);
      sizes.observe(256);
    };
  },
};

/** Many writes over few series, as a busy process makes them. */
export function storm(writes: number): Scenario {
  return {
    declare(registry) {
      const hits = new Counter('storm_hits_total', 'Hits by shard', { registry, requiredLabels: ['shard'] });
      const shards = Array.from({ length: 16 }, (_, i) => hits.labels({ shard: String(i) }));
      const level = new Gauge('storm_level', 'Goes up and down', { registry });
      const latency = new Histogram('storm_seconds', 'Latency', { registry, buckets: [1, 2] });
      return () => {
        for (let i = 0; i < writes; i++) {
          shards[i % 16]!.inc();
          if (i % 3 === 0) level.inc(2);
          else level.dec(1);
          if (i % 4 === 0) latency.observe(i % 3);
        }
      };
    },
  };
}
