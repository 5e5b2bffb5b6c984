import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './worker-restart.js';

describe('RestartBackoff', () => {
  it('doubles from the first delay up to the cap, and starts over after reset', () => {
    const backoff = new RestartBackoff(100, 5000);
    expect(Array.from({ length: 9 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    backoff.reset();
    expect([backoff.next(), backoff.next()]).toEqual([100, 200]);
  });

  it('rejects delays that make no sense', () => {
    expect(() => new RestartBackoff(0, 100)).toThrow(/restartDelayMs/);
    expect(() => new RestartBackoff(Number.NaN, 100)).toThrow(/restartDelayMs/);
    expect(() => new RestartBackoff(200, 100)).toThrow(/maxRestartDelayMs/);
  });
});
