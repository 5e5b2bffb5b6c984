import { describe, expect, it } from 'vitest';
import { SinkAudio } from './webrtc-sink-audio.js';

function samplesOf(bytes: Uint8Array): Int16Array {
  return new Int16Array(bytes.slice().buffer);
}

/** A 10 ms sink frame of a 440 Hz tone at `rate`. */
function tone(rate: number, channels = 1, startSample = 0): { samples: Int16Array; sampleRate: number; channelCount: number } {
  const n = rate / 100;
  const samples = new Int16Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) samples[i * channels + c] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (startSample + i)) / rate));
  }
  return { samples, sampleRate: rate, channelCount: channels };
}

describe('SinkAudio', () => {
  it('passes 48 kHz mono frames through as they are', () => {
    const frame = tone(48000);
    expect(samplesOf(new SinkAudio().convert(frame))).toEqual(frame.samples);
  });

  it('averages the channels of a stereo frame', () => {
    const samples = Int16Array.from({ length: 960 }, (_, i) => (i % 2 === 0 ? 1000 : 3000));
    const out = samplesOf(new SinkAudio().convert({ samples, sampleRate: 48000, channelCount: 2 }));
    expect(out.length).toBe(480);
    expect(out.every((v) => v === 2000)).toBe(true);
  });

  it('resamples frames at another rate to 48 kHz, keeping their duration', () => {
    const audio = new SinkAudio();
    let out = 0;
    for (let f = 0; f < 10; f++) out += samplesOf(audio.convert(tone(16000, 1, f * 160))).length;
    out += samplesOf(audio.flush()).length;
    // 100 ms at 16 kHz is 100 ms at 48 kHz: the session's audio time is the sink's.
    expect(out).toBe(4800);
  });

  it('flushes the resampler when the rate changes, then passes 48 kHz frames through', () => {
    const audio = new SinkAudio();
    const before = [0, 1, 2].map((f) => samplesOf(audio.convert(tone(16000, 1, f * 160))).length);
    const frame = tone(48000);
    const switched = samplesOf(audio.convert(frame));
    expect(before.reduce((a, b) => a + b, 0) + switched.length).toBe(3 * 480 + 480);
    expect(switched.subarray(switched.length - 480)).toEqual(frame.samples);
    expect(audio.flush().length).toBe(0);
  });

  it('keeps a tone a tone through the resampler', () => {
    const audio = new SinkAudio();
    const parts: Int16Array[] = [];
    for (let f = 0; f < 20; f++) parts.push(samplesOf(audio.convert(tone(16000, 1, f * 160))));
    parts.push(samplesOf(audio.flush()));
    const out = Int16Array.from(parts.flatMap((p) => [...p]));
    // Away from the edges, each sample is the tone at 48 kHz within the filter's ripple.
    for (let i = 1000; i < 8000; i += 97) {
      expect(Math.abs(out[i]! - 8000 * Math.sin((2 * Math.PI * 440 * i) / 48000))).toBeLessThan(80);
    }
  });
});
