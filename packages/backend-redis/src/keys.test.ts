import { describe, expect, it } from 'vitest';
import { decodeNumber, encodeNumber, fieldOf, GENERATION_FIELD, metricKeys, parseField } from './keys.js';

describe('key layout', () => {
  it('puts every key of a metric in the hash slot of its name, behind the prefix', () => {
    const keys = metricKeys('shop:', {
      name: 'http_requests_total',
      type: 'counter',
      help: '',
      labelNames: [],
    });
    expect(keys).toEqual({
      values: 'shop:{http_requests_total}:counter:values',
      writers: 'shop:{http_requests_total}:counter:writers',
      processes: 'shop:{http_requests_total}:counter:processes',
      processPrefix: 'shop:{http_requests_total}:counter:process:',
    });
  });

  it("names a histogram's bucket layout in its keys, so that other buckets never mix with its numbers", () => {
    const histogram = (buckets: number[]) =>
      metricKeys('p:', { name: 'latency', type: 'histogram', help: '', labelNames: [], buckets }).values;
    expect(histogram([0.1, 1, Number.POSITIVE_INFINITY])).toMatch(
      /^p:\{latency\}:histogram:[0-9a-f]{8}:values$/,
    );
    expect(histogram([0.1, 1, Number.POSITIVE_INFINITY])).toBe(histogram([0.1, 1, Number.POSITIVE_INFINITY]));
    expect(histogram([0.1, 1, Number.POSITIVE_INFINITY])).not.toBe(
      histogram([0.1, 2, Number.POSITIVE_INFINITY]),
    );
  });

  it('builds fields that no two label sets share, whatever the values contain', () => {
    const sets = [
      [],
      [''],
      ['', ''],
      ['a|b'],
      ['a', 'b'],
      ['a|b', ''],
      ['["a"]'],
      ['a","b'],
      ['\n'],
      ['\\n'],
      ['{x}'],
      ['😀'],
      ['sum'],
    ];
    const fields = new Set<string>();
    for (const labels of sets) {
      const field = fieldOf(labels);
      fields.add(field);
      // The field is exactly the key core matches series by.
      expect(field).toBe(JSON.stringify(labels));
      expect(parseField(field)).toEqual(labels);
    }
    expect(fields.size).toBe(sets.length);
  });

  it('ignores fields this layout never writes', () => {
    expect(parseField('not json')).toBeUndefined();
    expect(parseField('[1]')).toBeUndefined();
    expect(parseField('{"a":1}')).toBeUndefined();
    expect(parseField(GENERATION_FIELD)).toBeUndefined();
  });

  it('carries every double, infinities and NaN through text', () => {
    for (const value of [0, -0, -0.5, 0.1 + 0.2, 1e300, 5e-324, Number.MAX_SAFE_INTEGER]) {
      expect(decodeNumber(encodeNumber(value))).toBe(value);
    }
    expect(encodeNumber(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(decodeNumber('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(decodeNumber(encodeNumber(Number.NaN))).toBeNaN();
  });
});
