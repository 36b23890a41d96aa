import { describe, expect, it } from 'vitest';
import { CollectorRegistry, Counter, Gauge, Histogram, InvalidArgumentError, Summary } from './index.js';

// Unknown option keys are errors twice over: TypeScript refuses them in an options literal (checked by
// `pnpm typecheck`, which fails if an expected error below disappears), and at run time they throw.
describe('unknown option keys', () => {
  it('are refused by TypeScript and at run time, with a hint where another library names them', () => {
    const registry = new CollectorRegistry();
    expect(
      // @ts-expect-error prom-client's name for requiredLabels
      () => new Counter('a_total', 'h', { registry, labelNames: ['route'] }),
    ).toThrow(
      new InvalidArgumentError(
        'counter "a_total": unknown option "labelNames"; use requiredLabels (prom-client calls them labelNames)',
      ),
    );
    // @ts-expect-error only histograms take buckets
    expect(() => new Counter('b_total', 'h', { registry, buckets: [1] })).toThrow(InvalidArgumentError);
    // @ts-expect-error a typo
    expect(() => new Histogram('c', 'h', { registry, bukets: [1] })).toThrow(/did you mean "buckets"\?/);
    // @ts-expect-error summaries keep no quantiles
    expect(() => new Summary('d', 'h', { registry, percentiles: [0.5] })).toThrow(InvalidArgumentError);
    // @ts-expect-error gauges take no exemplar
    expect(() => new Gauge('e', 'h', { registry }).set(1, { exemplar: {} })).toThrow(InvalidArgumentError);
    // @ts-expect-error a typo in an observation's options
    expect(() => new Counter('f_total', 'h', { registry }).inc(1, { exemplr: {} })).toThrow(/exemplar/);
    // @ts-expect-error a registry takes an options object
    expect(() => new CollectorRegistry('shop')).toThrow(InvalidArgumentError);
  });

  it('multiprocessMode is an option of every metric type, at run time', () => {
    for (const Type of [Counter, Histogram, Summary]) {
      expect(
        () => new Type('m', 'h', { registry: null, multiprocessMode: 'perProcess' } as never),
      ).not.toThrow();
    }
  });
});
