import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RtcAudioData, RtcAudioSource } from '../proto/webrtc-native.js';
import { AudioPacer } from './webrtc-audio-pacer.js';

const LEAD_MS = 200;
const FRAME = 480;

/** A source that records what reaches the track, one 10 ms frame per call. */
function recordingSource(): RtcAudioSource & { frames: RtcAudioData[] } {
  const frames: RtcAudioData[] = [];
  return { frames, createTrack: () => ({ kind: 'audio', stop: () => undefined }), onData: (data) => frames.push(data) };
}

/** Sample `n` (from 1) of a sawtooth that never touches 0 or clips: order and gaps show. */
function saw(n: number): number {
  return 1 + ((n - 1) % 30000);
}

/** `ms` of the sawtooth from its sample `from`, as floats. */
function ramp(from: number, ms: number): Float32Array {
  return Float32Array.from({ length: (ms * 48000) / 1000 }, (_, i) => saw(from + i) / 32768);
}

function expected(samples: number): number[] {
  return Array.from({ length: samples }, (_, i) => saw(i + 1));
}

function played(source: { frames: RtcAudioData[] }): number[] {
  return source.frames.flatMap((f) => [...f.samples]);
}

/** What was played with the leading silence (before the clock had audio) dropped. */
function audible(source: { frames: RtcAudioData[] }): number[] {
  const all = played(source);
  return all.slice(all.findIndex((v) => v !== 0));
}

describe('AudioPacer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plays 10 ms frames of 48 kHz in real time, in order, and holds a writer at the lead', async () => {
    const source = recordingSource();
    const pacer = new AudioPacer(source, LEAD_MS);
    pacer.start();
    let resolved = false;
    void pacer.push(ramp(1, 500)).then(() => (resolved = true));
    expect(source.frames.length).toBe(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(source.frames.length).toBe(26);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(60);
    expect(resolved).toBe(true);
    await vi.advanceTimersByTimeAsync(300);
    expect(source.frames.every((f) => f.sampleRate === 48000 && f.numberOfFrames === FRAME && f.samples.length === FRAME)).toBe(true);
    expect(played(source).slice(0, 500 * 48)).toEqual(expected(500 * 48));
    pacer.stop();
  });

  it('waits for the lead before its clock starts, so a real-time writer that is late leaves no gap', async () => {
    const source = recordingSource();
    const pacer = new AudioPacer(source, LEAD_MS);
    pacer.start();
    let next = 1;
    for (let chunk = 0; chunk < 40; chunk++) {
      // Every 20 ms, except one chunk that comes 150 ms late (then the writer catches up).
      await vi.advanceTimersByTimeAsync(chunk === 20 ? 170 : chunk > 20 && chunk < 28 ? 0 : 20);
      void pacer.push(ramp(next, 20));
      next += 20 * 48;
    }
    await vi.advanceTimersByTimeAsync(LEAD_MS + 100);
    pacer.stop();
    const heard = audible(source);
    expect(heard.slice(0, next - 1)).toEqual(expected(next - 1));
  });

  it('plays a short piece of audio at most the lead after it was queued', async () => {
    const source = recordingSource();
    const pacer = new AudioPacer(source, LEAD_MS);
    pacer.start();
    void pacer.push(ramp(1, 50));
    await vi.advanceTimersByTimeAsync(LEAD_MS - 10);
    expect(source.frames.length).toBe(0);
    await vi.advanceTimersByTimeAsync(70);
    expect(audible(source).slice(0, 50 * 48)).toEqual(expected(50 * 48));
    pacer.stop();
  });

  it('plays silence when the writer has nothing, as a microphone would', async () => {
    const source = recordingSource();
    const pacer = new AudioPacer(source, LEAD_MS);
    pacer.start();
    void pacer.push(ramp(1, 300));
    await vi.advanceTimersByTimeAsync(500);
    const all = played(source);
    expect(all.length).toBeGreaterThanOrEqual(500 * 48);
    expect(all.slice(300 * 48).every((v) => v === 0)).toBe(true);
    pacer.stop();
  });

  it('queues nothing to the track before start, and stop releases every waiting writer', async () => {
    const source = recordingSource();
    const pacer = new AudioPacer(source, LEAD_MS);
    const waiting = pacer.push(ramp(1, 1000));
    const draining = pacer.drained();
    await vi.advanceTimersByTimeAsync(1000);
    expect(source.frames.length).toBe(0);
    pacer.stop();
    await expect(Promise.all([waiting, draining])).resolves.toEqual([undefined, undefined]);
    expect(source.frames.length).toBe(0);
  });
});
