import { describe, expect, it } from 'vitest';
import { audioSentBy } from './audio-clock.js';
import { sentAtOf, type CallRecording } from './call-recording.js';

const close = { code: 1000, ok: true, label: 'ws 1000' };

describe('audioSentBy', () => {
  it('is the audio clock of a real-time replay, and the inverse of sentAtOf at message starts', () => {
    // 100 ms messages sent every 100 ms from wall time 5000.
    const recording: CallRecording = { events: [], chunkSentAt: [5000, 5100, 5200, 5300], chunkMs: 100, close };
    expect(audioSentBy(recording, 4000)).toBe(0);
    expect(audioSentBy(recording, 5000)).toBe(0);
    expect(audioSentBy(recording, 5130)).toBe(130);
    expect(audioSentBy(recording, sentAtOf(recording, 250)!)).toBe(200);
    // After the last message: its end, the end of the audio sent.
    expect(audioSentBy(recording, 5350)).toBe(350);
    expect(audioSentBy(recording, 9000)).toBe(400);
  });

  it('never runs past the audio sent when the replay is faster than real time', () => {
    // Twice real time: a 100 ms message every 50 ms.
    const recording: CallRecording = { events: [], chunkSentAt: [0, 50, 100], chunkMs: 100, close };
    expect(audioSentBy(recording, 30)).toBe(30);
    expect(audioSentBy(recording, 60)).toBe(110);
    expect(audioSentBy(recording, 120)).toBe(220);
    expect(audioSentBy(recording, 400)).toBe(300);
  });

  it('counts messages handed over at one instant as all sent (as fast as the server reads)', () => {
    const recording: CallRecording = { events: [], chunkSentAt: [10, 10, 10], chunkMs: 20, close };
    expect(audioSentBy(recording, 10)).toBe(40);
    expect(audioSentBy(recording, 15)).toBe(45);
  });

  it("counts WebRTC audio in real time from when the server's audio clock started", () => {
    const recording: CallRecording = { events: [], chunkSentAt: [], chunkMs: 20, serverClockStartedAt: 1000, close };
    expect(audioSentBy(recording, 900)).toBe(0);
    expect(audioSentBy(recording, 1234)).toBe(234);
  });

  it('has no answer when no audio was sent', () => {
    expect(audioSentBy({ events: [], chunkSentAt: [], chunkMs: 20, close }, 50)).toBeNull();
  });
});
