import { describe, expect, it } from 'vitest';
import { percentiles } from './percentiles.js';

describe('percentiles', () => {
  it('takes the value at rank ceil(p / 100 * n)', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1..1000, in reverse
    expect(percentiles(values)).toEqual({ count: 1000, p50: 500, p95: 950, p99: 990, p999: 999 });
  });

  it('never interpolates: ranks round up to a measured value', () => {
    // n = 10: ranks 5, 10 (9.5 up), 10 (9.9 up), 10 (9.99 up).
    expect(percentiles([30, 10, 20, 40, 50, 60, 70, 80, 90, 100])).toEqual({ count: 10, p50: 50, p95: 100, p99: 100, p999: 100 });
    // n = 20: ranks 10, 19, 20, 20.
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 5);
    expect(percentiles(twenty)).toMatchObject({ p50: 50, p95: 95, p99: 100, p999: 100 });
  });

  it('sorts numerically, negative values included', () => {
    expect(percentiles([-5, 100, 9, 20])).toEqual({ count: 4, p50: 9, p95: 100, p99: 100, p999: 100 });
  });

  it('gives the one value for every percentile of a single value', () => {
    expect(percentiles([42])).toEqual({ count: 1, p50: 42, p95: 42, p99: 42, p999: 42 });
  });

  it('gives nulls without values', () => {
    expect(percentiles([])).toEqual({ count: 0, p50: null, p95: null, p99: null, p999: null });
  });
});
