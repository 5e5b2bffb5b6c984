import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../proto/errors.js';
import { SpeechGate, type SpeechGateDecision } from './speech-gate.js';

/** Feeds consecutive 32 ms chunks with these probabilities; returns every decision. */
function feed(gate: SpeechGate, probs: number[], firstChunk = 0): SpeechGateDecision[] {
  return probs.map((prob, i) => {
    const k = firstChunk + i;
    return gate.update({ prob, startMs: k * 32, endMs: k * 32 + 32 });
  });
}

describe('SpeechGate', () => {
  it('defaults to Silero thresholds and 64 ms of speech', () => {
    const gate = new SpeechGate();
    expect([gate.threshold, gate.negThreshold, gate.minSpeechMs]).toEqual([0.5, 0.35, 64]);
    expect(new SpeechGate({ threshold: 0.1 }).negThreshold).toBe(0.01);
  });

  it('starts only after minSpeechMs of consecutive speech and reports where it began', () => {
    const gate = new SpeechGate();
    const decisions = feed(gate, [0.1, 0.9, 0.2, 0.6, 0.45, 0.7, 0.8, 0.9]);
    expect(decisions).toEqual([
      { speaking: false },
      { speaking: false },
      { speaking: false },
      { speaking: false },
      { speaking: false },
      { speaking: false },
      { speaking: true, started: 5 * 32 },
      { speaking: true },
    ]);
    expect(gate.speaking).toBe(true);
  });

  it('holds speech through dips above negThreshold and stops at the end of the last voiced chunk', () => {
    const gate = new SpeechGate();
    const decisions = feed(gate, [0.9, 0.9, 0.4, 0.36, 0.8, 0.2, 0.1, 0.9, 0.9]);
    expect(decisions.map((d) => d.speaking)).toEqual([false, true, true, true, true, false, false, false, true]);
    expect(decisions[5]).toEqual({ speaking: false, stopped: 5 * 32 });
    expect(decisions.filter((d) => d.stopped !== undefined)).toHaveLength(1);
    // Speech that comes back is a new start, with its own time.
    expect(decisions[8]).toEqual({ speaking: true, started: 7 * 32 });
  });

  it('honours custom thresholds', () => {
    const gate = new SpeechGate({ threshold: 0.8, negThreshold: 0.7, minSpeechMs: 0 });
    expect(feed(gate, [0.75, 0.85, 0.72, 0.69])).toEqual([
      { speaking: false },
      { speaking: true, started: 32 },
      { speaking: true },
      { speaking: false, stopped: 96 },
    ]);
  });

  it('rejects inconsistent options', () => {
    expect(() => new SpeechGate({ threshold: 0 })).toThrow(ParleyError);
    expect(() => new SpeechGate({ threshold: 0.5, negThreshold: 0.6 })).toThrow(ParleyError);
    expect(() => new SpeechGate({ minSpeechMs: -1 })).toThrow(ParleyError);
  });
});
