import { describe, expect, it } from 'vitest';
import { SampleQueue } from './sample-queue.js';

const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('SampleQueue', () => {
  it('hands out exact pieces across pushed parts, in order', () => {
    const q = new SampleQueue();
    q.push(ramp(0, 5));
    q.push(ramp(5, 3));
    q.push(ramp(8, 10));
    expect([...q.take(4)]).toEqual([0, 1, 2, 3]);
    expect([...q.take(6)]).toEqual([4, 5, 6, 7, 8, 9]);
    expect(q.length).toBe(8);
    expect([...q.take(100)]).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(q.length).toBe(0);
  });

  it('keeps only the newest samples', () => {
    const q = new SampleQueue();
    q.push(ramp(0, 10));
    q.push(ramp(10, 10));
    q.keepLast(3);
    expect([...q.take(3)]).toEqual([17, 18, 19]);
  });
});
