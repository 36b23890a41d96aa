import { describe, expect, it } from 'vitest';
import { generateMetrics } from '../test/judges/judges.js';
import { CollectorRegistry, Counter, ExemplarError, Gauge, Histogram, Summary } from './index.js';

function openMetrics(registry: CollectorRegistry): Promise<string> {
  return generateMetrics(registry, { format: 'openmetrics' });
}

// One registry with every metric type, exemplars with and without a timestamp, units and labels. (Counters named
// without `_total` are covered below, in OpenMetrics; their Prometheus text is exposition.test.ts' business.)
function everyType(): CollectorRegistry {
  const registry = new CollectorRegistry();
  const requests = new Counter('http_requests_total', 'Requests served.', {
    registry,
    requiredLabels: ['method'],
  });
  requests
    .labels({ method: 'GET' })
    .inc(3, { exemplar: { trace_id: 'abc123' }, exemplarTimestamp: 1700000000.5 });
  requests.labels({ method: 'POST' }).inc(2);
  requests.labels({ method: 'PUT' }).inc(1, { exemplar: { trace_id: 'def', span_id: '7' } });
  new Gauge('temperature_celsius', 'Temperature.', { registry, unit: 'celsius' }).set(-4.25);
  const latency = new Histogram('request_duration_seconds', 'Latency.', {
    registry,
    requiredLabels: ['route'],
    buckets: [0.1, 1, 2.5],
    unit: 'seconds',
  });
  const users = latency.labels({ route: '/users' });
  users.observe(0.05, { exemplar: { trace_id: 'fast' }, exemplarTimestamp: 1700000001 });
  users.observe(0.07, { exemplar: { trace_id: 'fast2' } });
  users.observe(2);
  users.observe(100, { exemplar: { trace_id: 'slow' }, exemplarTimestamp: 1700000002.25 });
  latency.labels({ route: '/' }).observe(1);
  const size = new Summary('response_size_bytes', 'Sizes.', { registry, unit: 'bytes' });
  size.observe(512);
  size.observe(1024);
  new Gauge('idle', 'Declared, never labelled.', { registry, requiredLabels: ['x'] });
  return registry;
}

const EVERY_TYPE_OPENMETRICS = `# HELP http_requests Requests served.
# TYPE http_requests counter
http_requests_total{method="GET"} 3 # {trace_id="abc123"} 3 1700000000.5
http_requests_total{method="POST"} 2
http_requests_total{method="PUT"} 1 # {trace_id="def",span_id="7"} 1
# HELP temperature_celsius Temperature.
# TYPE temperature_celsius gauge
# UNIT temperature_celsius celsius
temperature_celsius -4.25
# HELP request_duration_seconds Latency.
# TYPE request_duration_seconds histogram
# UNIT request_duration_seconds seconds
request_duration_seconds_bucket{route="/users",le="0.1"} 2 # {trace_id="fast2"} 0.07
request_duration_seconds_bucket{route="/users",le="1.0"} 2
request_duration_seconds_bucket{route="/users",le="2.5"} 3
request_duration_seconds_bucket{route="/users",le="+Inf"} 4 # {trace_id="slow"} 100 1700000002.25
request_duration_seconds_count{route="/users"} 4
request_duration_seconds_sum{route="/users"} 102.12
request_duration_seconds_bucket{route="/",le="0.1"} 0
request_duration_seconds_bucket{route="/",le="1.0"} 1
request_duration_seconds_bucket{route="/",le="2.5"} 1
request_duration_seconds_bucket{route="/",le="+Inf"} 1
request_duration_seconds_count{route="/"} 1
request_duration_seconds_sum{route="/"} 1
# HELP response_size_bytes Sizes.
# TYPE response_size_bytes summary
# UNIT response_size_bytes bytes
response_size_bytes_count 2
response_size_bytes_sum 1536
# HELP idle Declared, never labelled.
# TYPE idle gauge
# EOF
`;

const EVERY_TYPE_PROMETHEUS = `# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{method="GET"} 3
http_requests_total{method="POST"} 2
http_requests_total{method="PUT"} 1
# HELP temperature_celsius Temperature.
# TYPE temperature_celsius gauge
temperature_celsius -4.25
# HELP request_duration_seconds Latency.
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{route="/users",le="0.1"} 2
request_duration_seconds_bucket{route="/users",le="1.0"} 2
request_duration_seconds_bucket{route="/users",le="2.5"} 3
request_duration_seconds_bucket{route="/users",le="+Inf"} 4
request_duration_seconds_sum{route="/users"} 102.12
request_duration_seconds_count{route="/users"} 4
request_duration_seconds_bucket{route="/",le="0.1"} 0
request_duration_seconds_bucket{route="/",le="1.0"} 1
request_duration_seconds_bucket{route="/",le="2.5"} 1
request_duration_seconds_bucket{route="/",le="+Inf"} 1
request_duration_seconds_sum{route="/"} 1
request_duration_seconds_count{route="/"} 1
# HELP response_size_bytes Sizes.
# TYPE response_size_bytes summary
response_size_bytes_sum 1536
response_size_bytes_count 2
# HELP idle Declared, never labelled.
# TYPE idle gauge
`;

describe('OpenMetrics 1.0 text', () => {
  it('renders every metric type: counter family without _total, UNIT, exemplars, # EOF', async () => {
    expect(await openMetrics(everyType())).toBe(EVERY_TYPE_OPENMETRICS);
  });

  it('the same registry in Prometheus text 0.0.4 has no exemplars, no UNIT and no # EOF', async () => {
    expect(await generateMetrics(everyType())).toBe(EVERY_TYPE_PROMETHEUS);
  });

  it('an empty registry is just # EOF', async () => {
    expect(await openMetrics(new CollectorRegistry())).toBe('# EOF\n');
  });

  it('names the counter family after the registry prefix, without _total', async () => {
    const registry = new CollectorRegistry({ prefix: 'shop' });
    new Counter('orders_total', 'Orders.', { registry }).inc();
    new Counter('refunds', 'Refunds.', { registry }).inc(2);
    expect(await openMetrics(registry)).toBe(`# HELP shop_orders Orders.
# TYPE shop_orders counter
shop_orders_total 1
# HELP shop_refunds Refunds.
# TYPE shop_refunds counter
shop_refunds_total 2
# EOF
`);
  });

  it('a counter with a unit: the unit is a suffix of the family name', async () => {
    const registry = new CollectorRegistry();
    new Counter('cpu_seconds_total', 'CPU time.', { registry, unit: 'seconds' }).inc(1.5);
    expect(await openMetrics(registry)).toBe(`# HELP cpu_seconds CPU time.
# TYPE cpu_seconds counter
# UNIT cpu_seconds seconds
cpu_seconds_total 1.5
# EOF
`);
  });

  it('writes NaN, +Inf, -Inf and exponents the way the OpenMetrics grammar reads them', async () => {
    const registry = new CollectorRegistry();
    const gauge = new Gauge('values', 'v', { registry, requiredLabels: ['case'] });
    const cases: [string, number][] = [
      ['nan', Number.NaN],
      ['inf', Number.POSITIVE_INFINITY],
      ['ninf', Number.NEGATIVE_INFINITY],
      ['big', 1e21],
      ['small', 1.5e-7],
      ['negzero', -0],
    ];
    for (const [name, value] of cases) gauge.labels({ case: name }).set(value);
    const histogram = new Histogram('extremes', 'e', { registry, buckets: [0] });
    histogram.observe(Number.NEGATIVE_INFINITY, { exemplar: { at: 'low' } });
    histogram.observe(Number.POSITIVE_INFINITY, { exemplar: { at: 'high' } });
    expect(await openMetrics(registry)).toBe(`# HELP values v
# TYPE values gauge
values{case="nan"} NaN
values{case="inf"} +Inf
values{case="ninf"} -Inf
values{case="big"} 1e+21
values{case="small"} 1.5e-7
values{case="negzero"} 0
# HELP extremes e
# TYPE extremes histogram
extremes_bucket{le="0.0"} 1 # {at="low"} -Inf
extremes_bucket{le="+Inf"} 2 # {at="high"} +Inf
# EOF
`);
  });

  it('escapes backslash, double quote and newline in HELP (Prometheus text leaves the quote alone)', async () => {
    const registry = new CollectorRegistry();
    new Gauge('escaped', 'A \\ backslash, "quotes"\nand a second line.', { registry }).set(1);
    new Gauge('no_help', '', { registry }).set(2);
    expect(
      await openMetrics(registry),
    ).toBe(`# HELP escaped A \\\\ backslash, \\"quotes\\"\\nand a second line.
# TYPE escaped gauge
escaped 1
# HELP no_help 
# TYPE no_help gauge
no_help 2
# EOF
`);
    expect(
      await generateMetrics(registry),
    ).toBe(`# HELP escaped A \\\\ backslash, "quotes"\\nand a second line.
# TYPE escaped gauge
escaped 1
# HELP no_help 
# TYPE no_help gauge
no_help 2
`);
  });

  it('escapes label values: quotes, backslashes, newlines; unicode as is, in exemplar values too', async () => {
    const registry = new CollectorRegistry();
    const counter = new Counter('odd_total', 'Odd label values.', { registry, requiredLabels: ['v'] });
    counter.labels({ v: 'say "hi"' }).inc(1, { exemplar: { note: 'a {b # c' } });
    counter.labels({ v: 'back\\slash' }).inc(2);
    counter.labels({ v: 'two\nlines' }).inc(3);
    counter.labels({ v: 'ünïcødé ✓ 🚀 中文' }).inc(4, { exemplar: { who: 'Zoë 🚀' } });
    counter.labels({ v: '\\n' }).inc(5);
    counter.labels({ v: '' }).inc(6);
    counter.labels({ v: '# {x="y"} 1' }).inc(7);
    expect(await openMetrics(registry)).toBe(`# HELP odd Odd label values.
# TYPE odd counter
odd_total{v="say \\"hi\\""} 1 # {note="a {b # c"} 1
odd_total{v="back\\\\slash"} 2
odd_total{v="two\\nlines"} 3
odd_total{v="ünïcødé ✓ 🚀 中文"} 4 # {who="Zoë 🚀"} 4
odd_total{v="\\\\n"} 5
odd_total{v=""} 6
odd_total{v="# {x=\\"y\\"} 1"} 7
# EOF
`);
  });

  it('refuses exemplar values that scrapers misread: NUL, ", \\, a line feed and }', () => {
    const counter = new Counter('ids_total', 'c', { registry: null });
    for (const value of ['a\0b', 'say "hi"', 'back\\slash', 'two\nlines', 'a}b']) {
      expect(() => counter.inc(1, { exemplar: { trace_id: value } })).toThrow(ExemplarError);
    }
    expect(() => counter.inc(1, { exemplar: { trace_id: 'a}b' } })).toThrow(
      new ExemplarError(
        'metric "ids_total": exemplar label "trace_id" has "}" at index 1, which scrapers misread in exemplars: exemplar values may not contain NUL, ", \\, a line feed or }',
      ),
    );
  });

  it('writes _sum only where it is a counter: never with negative buckets, nor when negative or NaN', async () => {
    const registry = new CollectorRegistry();
    // A negative bucket bound (-Inf too): no _sum, and no _count, which OpenMetrics pairs with it.
    const change = new Histogram('balance_change', 'Change.', { registry, buckets: [-10, 0, 10] });
    change.observe(-20);
    change.observe(5);
    new Histogram('floor', 'Floor.', { registry, buckets: [Number.NEGATIVE_INFINITY, 0] }).observe(1);
    // Non-negative buckets, a sum that went negative or NaN: that series has neither, the others both.
    const latency = new Histogram('latency', 'Latency.', {
      registry,
      buckets: [1],
      requiredLabels: ['case'],
    });
    latency.labels({ case: 'negative' }).observe(-1);
    latency.labels({ case: 'nan' }).observe(Number.POSITIVE_INFINITY);
    latency.labels({ case: 'nan' }).observe(Number.NEGATIVE_INFINITY);
    latency.labels({ case: 'fine' }).observe(0.5);
    // A summary keeps its _count, which OpenMetrics allows alone.
    const sizes = new Summary('sizes', 'Sizes.', { registry, requiredLabels: ['case'] });
    sizes.labels({ case: 'negative' }).observe(-5);
    sizes.labels({ case: 'fine' }).observe(5);
    expect(await openMetrics(registry)).toBe(`# HELP balance_change Change.
# TYPE balance_change histogram
balance_change_bucket{le="-10.0"} 1
balance_change_bucket{le="0.0"} 1
balance_change_bucket{le="10.0"} 2
balance_change_bucket{le="+Inf"} 2
# HELP floor Floor.
# TYPE floor histogram
floor_bucket{le="-Inf"} 0
floor_bucket{le="0.0"} 0
floor_bucket{le="+Inf"} 1
# HELP latency Latency.
# TYPE latency histogram
latency_bucket{case="negative",le="1.0"} 1
latency_bucket{case="negative",le="+Inf"} 1
latency_bucket{case="nan",le="1.0"} 1
latency_bucket{case="nan",le="+Inf"} 2
latency_bucket{case="fine",le="1.0"} 1
latency_bucket{case="fine",le="+Inf"} 1
latency_count{case="fine"} 1
latency_sum{case="fine"} 0.5
# HELP sizes Sizes.
# TYPE sizes summary
sizes_count{case="negative"} 1
sizes_count{case="fine"} 1
sizes_sum{case="fine"} 5
# EOF
`);
    // Prometheus text has no such rule: every _sum and _count is there.
    const text = await generateMetrics(registry);
    expect(text).toContain('balance_change_sum -15\nbalance_change_count 2\n');
    expect(text).toContain('floor_sum 1\nfloor_count 1\n');
    expect(text).toContain('latency_sum{case="nan"} NaN\n');
    expect(text).toContain('sizes_sum{case="negative"} -5\n');
  });
});

describe('a scrape changes nothing', () => {
  it('an OpenMetrics scrape leaves the Prometheus text as it was, and the other way round', async () => {
    const registry = everyType();
    const prometheusBefore = await generateMetrics(registry);
    const openMetricsBefore = await openMetrics(registry);
    expect(prometheusBefore).toBe(EVERY_TYPE_PROMETHEUS);
    expect(openMetricsBefore).toBe(EVERY_TYPE_OPENMETRICS);
    for (let i = 0; i < 3; i++) {
      expect(await openMetrics(registry)).toBe(openMetricsBefore);
      expect(await generateMetrics(registry)).toBe(prometheusBefore);
    }
    expect(await openMetrics(registry)).toBe(openMetricsBefore);
  });

  it('never renames the metric object, whichever format is scraped', async () => {
    const registry = new CollectorRegistry();
    const counter = new Counter('hits_total', 'Hits.', { registry });
    await openMetrics(registry);
    expect(counter.name).toBe('hits_total');
    counter.inc();
    expect(await generateMetrics(registry)).toBe(
      '# HELP hits_total Hits.\n# TYPE hits_total counter\nhits_total 1\n',
    );
    expect(counter.name).toBe('hits_total');
  });
});

describe('exemplars', () => {
  it('a counter keeps the latest exemplar of each series; a histogram the latest of each bucket', async () => {
    const registry = new CollectorRegistry();
    const counter = new Counter('c_total', 'c', { registry });
    counter.inc(1, { exemplar: { trace_id: 'first' }, exemplarTimestamp: 10 });
    counter.inc(2, { exemplar: { trace_id: 'second' } });
    counter.inc(4);
    const histogram = new Histogram('h', 'h', { registry, buckets: [1, 2] });
    histogram.observe(0.5, { exemplar: { trace_id: 'a' } });
    histogram.observe(0.9, { exemplar: { trace_id: 'b' }, exemplarTimestamp: 20.125 });
    histogram.observe(1.5, { exemplar: { trace_id: 'c' } });
    histogram.observe(0.1);
    expect(await openMetrics(registry)).toBe(`# HELP c c
# TYPE c counter
c_total 7 # {trace_id="second"} 2
# HELP h h
# TYPE h histogram
h_bucket{le="1.0"} 3 # {trace_id="b"} 0.9 20.125
h_bucket{le="2.0"} 4 # {trace_id="c"} 1.5
h_bucket{le="+Inf"} 4
h_count 4
h_sum 3
# EOF
`);
  });

  it('writes exemplar timestamps without an exponent, and refuses those Prometheus cannot keep', async () => {
    const registry = new CollectorRegistry();
    const counter = new Counter('t_total', 't', { registry, requiredLabels: ['case'] });
    counter.labels({ case: 'tiny' }).inc(1, { exemplar: { a: 'b' }, exemplarTimestamp: 1.5e-7 });
    counter.labels({ case: 'now' }).inc(1, { exemplar: { a: 'b' }, exemplarTimestamp: 1700000000.125 });
    expect(await openMetrics(registry)).toBe(`# HELP t t
# TYPE t counter
t_total{case="tiny"} 1 # {a="b"} 1 0.00000015
t_total{case="now"} 1 # {a="b"} 1 1700000000.125
# EOF
`);
    expect(() => counter.labels({ case: 'far' }).inc(1, { exemplar: {}, exemplarTimestamp: 1e16 })).toThrow(
      new ExemplarError(
        'metric "t_total": exemplar timestamp must be a number of seconds since the epoch, from 0 to 1e15, got number 10000000000000000',
      ),
    );
    expect(() => counter.labels({ case: 'now' }).inc(1, { exemplar: {}, exemplarTimestamp: -0.5 })).toThrow(
      ExemplarError,
    );
  });

  it('an empty exemplar label set is allowed', async () => {
    const registry = new CollectorRegistry();
    new Counter('e_total', 'e', { registry }).inc(1, { exemplar: {} });
    expect(await openMetrics(registry)).toBe('# HELP e e\n# TYPE e counter\ne_total 1 # {} 1\n# EOF\n');
  });

  it('allows 128 code points of label names and values together, and refuses 129 with nothing changed', async () => {
    const registry = new CollectorRegistry();
    const counter = new Counter('x_total', 'x', { registry });
    // 8 + 120 = 128 code points; each 🚀 is one code point (two UTF-16 units).
    counter.inc(1, { exemplar: { trace_id: '🚀'.repeat(120) } });
    expect(() => counter.inc(5, { exemplar: { trace_id: '🚀'.repeat(121) } })).toThrow(
      new ExemplarError(
        'metric "x_total": exemplar labels are 129 characters long (names and values together); OpenMetrics allows at most 128',
      ),
    );
    const histogram = new Histogram('y', 'y', { registry, buckets: [1] });
    expect(() => histogram.observe(0.5, { exemplar: { a: 'b'.repeat(64), c: 'd'.repeat(63) } })).toThrow(
      ExemplarError,
    );
    expect(await openMetrics(registry)).toBe(`# HELP x x
# TYPE x counter
x_total 1 # {trace_id="${'🚀'.repeat(120)}"} 1
# HELP y y
# TYPE y histogram
y_bucket{le="1.0"} 0
y_bucket{le="+Inf"} 0
y_count 0
y_sum 0
# EOF
`);
  });

  it('refuses bad exemplar label names, values and timestamps with an ExemplarError that says what was wrong', () => {
    const counter = new Counter('bad_total', 'b', { registry: null });
    expect(() => counter.inc(1, { exemplar: { 'trace-id': 'x' } })).toThrow(
      new ExemplarError('metric "bad_total": invalid exemplar label name "trace-id"'),
    );
    expect(() => counter.inc(1, { exemplar: ['x'] as never })).toThrow(
      new ExemplarError('metric "bad_total": exemplar must be an object of labels, got an array'),
    );
    expect(() => counter.inc(1, { exemplar: { trace_id: 'x' }, exemplarTimestamp: Number.NaN })).toThrow(
      new ExemplarError(
        'metric "bad_total": exemplar timestamp must be a number of seconds since the epoch, from 0 to 1e15, got number NaN',
      ),
    );
  });
});
