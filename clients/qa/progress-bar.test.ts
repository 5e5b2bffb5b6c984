import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress } from './progress-bar.js';

const HOUR = 3_600_000;

describe('formatProgress', () => {
  it('shows calls, audio hours, elapsed time and an ETA from the audio done', () => {
    const line = formatProgress({ callsDone: 3, callsTotal: 10, audioMsDone: 0.5 * HOUR, audioMsTotal: 2 * HOUR }, 90_000, 8);
    // A quarter of the audio in 1:30: three quarters take 4:30 more.
    expect(line).toBe('[##------] 3/10 calls  0.50/2.00 h audio  elapsed 1:30  ETA 4:30');
  });

  it('has no ETA before any audio is done, and a full bar at the end', () => {
    expect(formatProgress({ callsDone: 0, callsTotal: 2, audioMsDone: 0, audioMsTotal: HOUR }, 5000, 4)).toBe('[----] 0/2 calls  0.00/1.00 h audio  elapsed 0:05  ETA --:--');
    expect(formatProgress({ callsDone: 2, callsTotal: 2, audioMsDone: HOUR, audioMsTotal: HOUR }, 65_000, 4)).toBe('[####] 2/2 calls  1.00/1.00 h audio  elapsed 1:05  ETA 0:00');
  });

  it('counts calls when the calls hold no audio', () => {
    expect(formatProgress({ callsDone: 1, callsTotal: 2, audioMsDone: 0, audioMsTotal: 0 }, 1000, 4)).toMatch(/^\[##--\] 1\/2 calls/);
  });
});

describe('formatDuration', () => {
  it('writes m:ss, then h:mm:ss from an hour on', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(59_400)).toBe('0:59');
    expect(formatDuration(61_000)).toBe('1:01');
    expect(formatDuration(HOUR + 2 * 60_000 + 3000)).toBe('1:02:03');
  });
});
