import { describe, expect, it } from 'vitest';
import { ReceiveClock } from './receive-clock.js';

describe('ReceiveClock', () => {
  it('answers the wall time at which a given audio time had arrived', () => {
    const clock = new ReceiveClock();
    clock.record(100, 1000);
    clock.record(200, 1500);
    clock.record(300, 1700);
    expect(clock.wallTimeAt(50)).toBe(1000);
    expect(clock.wallTimeAt(100)).toBe(1000);
    expect(clock.wallTimeAt(150)).toBe(1500);
    expect(clock.wallTimeAt(300)).toBe(1700);
    expect(clock.wallTimeAt(400)).toBe(1700);
    clock.forgetBefore(250);
    expect(clock.wallTimeAt(260)).toBe(1700);
  });

  it('answers in a few steps however many arrivals a turn holds', () => {
    const clock = new ReceiveClock();
    const arrivals = 100_000;
    for (let i = 1; i <= arrivals; i++) clock.record(i * 20, i);
    for (const i of [1, 50_000, 99_999, arrivals]) {
      const before = clock.probes;
      expect(clock.wallTimeAt(i * 20 - 5)).toBe(i);
      expect(clock.probes - before).toBeLessThanOrEqual(17); // log2(100k) rounded up
    }
  });

  it('drops forgotten arrivals from memory, and answers the same after', () => {
    const clock = new ReceiveClock();
    for (let i = 1; i <= 100_000; i++) {
      clock.record(i * 20, i);
      clock.forgetBefore(i * 20 - 1000);
    }
    // The 51 still asked about, and fewer forgotten ones than the 1024 that trigger a copy.
    expect(clock.held).toBeLessThanOrEqual(51 + 1024);
    expect(clock.wallTimeAt(100_000 * 20 - 990)).toBe(99_951);
    expect(clock.wallTimeAt(100_000 * 20)).toBe(100_000);
  });
});
