import { describe, expect, it } from 'vitest';
import { decodeNumber, encodeNumber, fieldOf, metricKeys, parseField } from './keys.js';

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
      processes: 'shop:{http_requests_total}:counter:processes',
      processPrefix: 'shop:{http_requests_total}:counter:process:',
    });
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
    const parts = [undefined, 'sum', 'count', '+Inf', '0.5'];
    const fields = new Set<string>();
    for (const labels of sets) {
      for (const part of parts) {
        const field = fieldOf(labels, part);
        fields.add(field);
        expect(parseField(field, part !== undefined)).toEqual({ labelValues: labels, part });
      }
    }
    expect(fields.size).toBe(sets.length * parts.length);
  });

  it('ignores fields this layout never writes', () => {
    expect(parseField('not json', false)).toBeUndefined();
    expect(parseField('[1]', false)).toBeUndefined();
    expect(parseField('["a"]', true)).toBeUndefined();
  });

  it('carries every double, infinities and NaN through text', () => {
    for (const value of [0, -0.5, 0.1 + 0.2, 1e300, 5e-324, Number.MAX_SAFE_INTEGER]) {
      expect(decodeNumber(encodeNumber(value))).toBe(value);
    }
    expect(encodeNumber(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(decodeNumber('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(decodeNumber(encodeNumber(Number.NaN))).toBeNaN();
  });
});
