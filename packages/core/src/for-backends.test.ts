import { describe, expect, it } from 'vitest';
import { BackendError, describeValue, isLabelName, PytheusError } from './for-backends.js';

describe('@pytheus/core/backend', () => {
  it('gives backends the error classes and the helpers core uses for its own messages', () => {
    expect(new BackendError('x')).toBeInstanceOf(PytheusError);
    expect([describeValue('a'), describeValue(5), describeValue(null), describeValue({})]).toEqual([
      '"a"',
      'number 5',
      'null',
      'an object',
    ]);
  });

  it('isLabelName accepts what any metric may use as a label name', () => {
    expect(['process', '_x', 'a1_b'].map(isLabelName)).toEqual([true, true, true]);
    expect(['', '1a', 'a-b', '__name', 'ä', 5, undefined].map(isLabelName)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
