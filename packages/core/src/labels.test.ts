import { beforeEach, describe, expect, it } from 'vitest';
import { generateMetrics } from '../test/judges/judges.js';
import { CollectorRegistry, Counter, Histogram, LabelError, MissingLabelsError } from './index.js';

let registry: CollectorRegistry;
beforeEach(() => {
  registry = new CollectorRegistry();
});

describe('required labels', () => {
  it('needs every label before observing, and names the missing ones', () => {
    const counter = new Counter('jobs_total', 'Jobs', { registry, requiredLabels: ['queue', 'status'] });
    expect(counter.observable).toBe(false);
    expect(() => counter.inc()).toThrow(MissingLabelsError);
    expect(() => counter.inc()).toThrow(
      'metric "jobs_total": cannot observe before every label has a value; missing "queue", "status" (set them with labels())',
    );
    const partial = counter.labels({ queue: 'mail' });
    try {
      partial.inc();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MissingLabelsError);
      expect((error as MissingLabelsError).missing).toEqual(['status']);
    }
  });

  it('builds a child step by step with partial labels; the partial child is reusable', async () => {
    const counter = new Counter('jobs_total', 'Jobs', { registry, requiredLabels: ['queue', 'status'] });
    const mail = counter.labels({ queue: 'mail' });
    expect(mail.observable).toBe(false);
    expect(mail.labelValues).toEqual({ queue: 'mail' });
    mail.labels({ status: 'ok' }).inc();
    mail.labels({ status: 'ok' }).inc(2);
    mail.labels({ status: 'failed' }).inc();
    counter.labels({ status: 'ok' }).labels({ queue: 'sms' }).inc(5);
    expect(await generateMetrics(registry)).toBe(
      [
        '# HELP jobs_total Jobs',
        '# TYPE jobs_total counter',
        'jobs_total{queue="mail",status="ok"} 3',
        'jobs_total{queue="mail",status="failed"} 1',
        'jobs_total{queue="sms",status="ok"} 5',
        '',
      ].join('\n'),
    );
  });

  it('identifies a series by its full label set, whatever the order labels were given in', () => {
    const counter = new Counter('jobs_total', 'Jobs', { registry, requiredLabels: ['queue', 'status'] });
    const a = counter.labels({ queue: 'mail', status: 'ok' });
    const b = counter.labels({ status: 'ok', queue: 'mail' });
    const c = counter.labels({ status: 'ok' }).labels({ queue: 'mail' });
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('caches fully labelled children: the same object comes back', () => {
    const counter = new Counter('jobs_total', 'Jobs', { registry, requiredLabels: ['queue'] });
    expect(counter.labels({ queue: 'x' })).toBe(counter.labels({ queue: 'x' }));
    expect(counter.labels({ queue: 'x' })).not.toBe(counter.labels({ queue: 'y' }));
  });

  it('lets a later labels() call override a value set before', async () => {
    const counter = new Counter('jobs_total', 'Jobs', { registry, requiredLabels: ['queue'] });
    counter.labels({ queue: 'a' }).labels({ queue: 'b' }).inc();
    expect(await generateMetrics(registry)).toContain('jobs_total{queue="b"} 1\n');
  });
});

describe('series kept by the family', () => {
  // A series' label values live in the label tree, not in its child: these read them back.
  it('gives a full child its label values, also for series created after the first read', () => {
    const counter = new Counter('jobs_total', 'Jobs', { registry, requiredLabels: ['queue', 'status'] });
    const first = counter.labels({ queue: 'mail', status: 'ok' });
    expect(first.labelValues).toEqual({ queue: 'mail', status: 'ok' });
    const second = counter.labels({ queue: 'sms', status: 'failed' });
    expect(second.labelValues).toEqual({ queue: 'sms', status: 'failed' });
    expect(first.labels({ status: 'failed' }).labelValues).toEqual({ queue: 'mail', status: 'failed' });
    const defaulted = new Counter('runs_total', 'Runs', {
      registry,
      requiredLabels: ['env'],
      defaultLabels: { env: 'prod' },
    });
    expect(defaulted.labelValues).toEqual({ env: 'prod' });
    expect(defaulted.labels({ env: 'dev' }).labelValues).toEqual({ env: 'dev' });
  });

  it('exposes series in creation order, whatever the order of their label values', async () => {
    const counter = new Counter('jobs_total', 'Jobs', { registry, requiredLabels: ['queue', 'status'] });
    counter.labels({ queue: 'b', status: '2' }).inc();
    counter.labels({ queue: 'a', status: '1' }).inc(2);
    counter.labels({ queue: 'b', status: '1' }).inc(3);
    const lines = (await generateMetrics(registry))
      .split('\n')
      .filter((line) => line.startsWith('jobs_total{'));
    expect(lines).toEqual([
      'jobs_total{queue="b",status="2"} 1',
      'jobs_total{queue="a",status="1"} 2',
      'jobs_total{queue="b",status="1"} 3',
    ]);
    // A series created after a scrape is rendered at the next one, after the others.
    counter.labels({ queue: 'a', status: '2' }).inc(4);
    expect(await generateMetrics(registry)).toContain(
      'jobs_total{queue="b",status="1"} 3\njobs_total{queue="a",status="2"} 4\n',
    );
  });

  it('counts by fractions and past the small-integer range without losing precision', async () => {
    const counter = new Counter('bytes_total', 'Bytes', { registry, requiredLabels: ['dir'] });
    const inbound = counter.labels({ dir: 'in' });
    inbound.inc(2 ** 31 - 1);
    inbound.inc(2);
    counter.labels({ dir: 'out' }).inc(0.25);
    counter.labels({ dir: 'out' }).inc(0.5);
    const text = await generateMetrics(registry);
    expect(text).toContain('bytes_total{dir="in"} 2147483649\n');
    expect(text).toContain('bytes_total{dir="out"} 0.75\n');
  });
});

describe('default labels', () => {
  it('makes a metric observable when defaults cover every label, and exposes it from the start', async () => {
    const counter = new Counter('visits_total', 'Visits', {
      registry,
      requiredLabels: ['page'],
      defaultLabels: { page: 'home' },
    });
    expect(counter.observable).toBe(true);
    expect(await generateMetrics(registry)).toBe(
      '# HELP visits_total Visits\n# TYPE visits_total counter\nvisits_total{page="home"} 0\n',
    );
    counter.inc();
    expect(await generateMetrics(registry)).toContain('visits_total{page="home"} 1\n');
  });

  it('fills in defaults for labels not given and can be overridden', async () => {
    const counter = new Counter('metric_name', 'desc', {
      registry,
      requiredLabels: ['req1', 'req2'],
      defaultLabels: { req2: 'me_set!' },
    });
    counter.labels({ req1: '1' }).inc();
    counter.labels({ req1: '1', req2: '2' }).inc(4);
    expect(await generateMetrics(registry)).toBe(
      [
        '# HELP metric_name_total desc',
        '# TYPE metric_name_total counter',
        'metric_name_total{req1="1",req2="me_set!"} 1',
        'metric_name_total{req1="1",req2="2"} 4',
        '',
      ].join('\n'),
    );
  });

  it('giving a default label explicitly with its default value is the same series', async () => {
    const counter = new Counter('metric_name', 'desc', {
      registry,
      requiredLabels: ['req1', 'req2'],
      defaultLabels: { req2: 'd' },
    });
    const implicit = counter.labels({ req1: 'x' });
    const explicit = counter.labels({ req2: 'd', req1: 'x' });
    expect(explicit).toBe(implicit);
    implicit.inc();
    explicit.inc();
    expect(await generateMetrics(registry)).toBe(
      '# HELP metric_name_total desc\n# TYPE metric_name_total counter\nmetric_name_total{req1="x",req2="d"} 2\n',
    );
  });

  it('the root of a fully defaulted metric and labels({}) are one series', async () => {
    const counter = new Counter('c_total', 'c', {
      registry,
      requiredLabels: ['a'],
      defaultLabels: { a: 'z' },
    });
    counter.inc();
    counter.labels({}).inc();
    counter.labels({ a: 'z' }).inc();
    expect(await generateMetrics(registry)).toBe(
      '# HELP c_total c\n# TYPE c_total counter\nc_total{a="z"} 3\n',
    );
  });
});

describe('label values', () => {
  it('rejects non-string values with a typed error naming the label and the value', () => {
    const counter = new Counter('c_total', 'c', { registry, requiredLabels: ['code'] });
    expect(() => counter.labels({ code: 200 as unknown as string })).toThrow(LabelError);
    expect(() => counter.labels({ code: 200 as unknown as string })).toThrow(
      'metric "c_total": label "code" must be a string, got number 200',
    );
    expect(() => counter.labels({ code: {} as unknown as string })).toThrow(
      'metric "c_total": label "code" must be a string, got an object',
    );
    expect(() => counter.labels({ code: undefined })).toThrow('label "code" must be a string, got undefined');
  });

  it('rejects unknown labels and lists the known ones', () => {
    const counter = new Counter('c_total', 'c', { registry, requiredLabels: ['code'] });
    expect(() => counter.labels({ code: '1', nope: 'x' } as never)).toThrow(
      'metric "c_total": unknown label "nope" (its labels: "code")',
    );
    const plain = new Counter('plain_total', 'c', { registry });
    expect(() => plain.labels({ a: 'x' } as never)).toThrow('unknown label "a" (its labels: none)');
    expect(plain.labels({})).toBe(plain);
  });

  it('keeps distinct label sets apart whatever the values contain (injective keys)', async () => {
    const counter = new Counter('c_total', 'c', { registry, requiredLabels: ['a', 'b'] });
    const tricky: [string, string][] = [
      ['x,y', ''],
      ['x', ',y'],
      ['x', 'y'],
      ['x\u0000', 'y'],
      ['x', '\u0000y'],
      ['a"b', 'c'],
      ['a', '"b,c'],
      ['["x","y"]', ''],
      ['', '["x","y"]'],
      ['\\', 'n'],
      ['\n', ''],
      ['é', ''],
      ['e\u0301', ''],
      ['', ''],
    ];
    for (const [i, [a, b]] of tricky.entries()) counter.labels({ a, b }).inc(i + 1);
    const text = await generateMetrics(registry);
    const lines = text.split('\n').filter((line) => line.startsWith('c_total{'));
    expect(lines).toHaveLength(tricky.length);
    for (const [i, line] of lines.entries()) expect(line.endsWith(` ${i + 1}`)).toBe(true);
  });

  it('refuses lone surrogates, which UTF-8 would turn into one U+FFFD: two values would be one series', async () => {
    const counter = new Counter('c_total', 'c', { registry, requiredLabels: ['a'] });
    counter.labels({ a: '\uFFFD' }).inc();
    counter.labels({ a: '🚀' }).inc(); // a surrogate pair is one code point, and fine
    for (const lone of ['\uD800', '\uDC00', 'x\uD83D']) {
      expect(() => counter.labels({ a: lone })).toThrow(LabelError);
    }
    expect(() => counter.labels({ a: '\uDC00' })).toThrow(
      'metric "c_total": label "a" has a lone UTF-16 surrogate (U+DC00) at index 0, which UTF-8 cannot carry',
    );
    expect(await generateMetrics(registry)).toBe(
      '# HELP c_total c\n# TYPE c_total counter\nc_total{a="\uFFFD"} 1\nc_total{a="🚀"} 1\n',
    );
  });

  it('reads the same values on both paths, inherited enumerable ones too, whether the series exists or not', async () => {
    const counter = new Counter('c_total', 'c', { registry, requiredLabels: ['a', 'b'] });
    const found = counter.labels({ a: 'x', b: 'y' });
    // The fast path (series found) and the slow path (series made) read an object alike.
    expect(counter.labels(Object.assign(Object.create({ a: 'x' }), { b: 'y' }))).toBe(found);
    const made = counter.labels(Object.assign(Object.create({ a: 'new' }), { b: 'y' }));
    expect(made.labelValues).toEqual({ a: 'new', b: 'y' });
    expect(counter.labels(Object.assign(Object.create({ a: 'new' }), { b: 'y' }))).toBe(made);
    // An inherited property that is not a label is ignored; an own one is an error.
    expect(counter.labels(Object.assign(Object.create({ extra: '1' }), { a: 'x', b: 'y' }))).toBe(found);
    expect(() => counter.labels({ a: 'x', b: 'y', extra: '1' } as never)).toThrow(LabelError);
    // Objects without a prototype, and class instances, have own values.
    expect(counter.labels(Object.assign(Object.create(null), { a: 'x', b: 'y' }))).toBe(found);
  });

  it('a child shares the parent series counts with labels given at any depth', async () => {
    const histogram = new Histogram('h_seconds', 'h', { registry, requiredLabels: ['a', 'b'], buckets: [1] });
    const partial = histogram.labels({ a: '1' });
    partial.labels({ b: '2' }).observe(0.5);
    histogram.labels({ b: '2', a: '1' }).observe(3);
    expect(await generateMetrics(registry)).toBe(
      [
        '# HELP h_seconds h',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{a="1",b="2",le="1.0"} 1',
        'h_seconds_bucket{a="1",b="2",le="+Inf"} 2',
        'h_seconds_sum{a="1",b="2"} 3.5',
        'h_seconds_count{a="1",b="2"} 2',
        '',
      ].join('\n'),
    );
  });
});
