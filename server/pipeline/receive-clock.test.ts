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
    clock.forgetBefore(250);
    expect(clock.wallTimeAt(260)).toBe(1700);
  });
});
