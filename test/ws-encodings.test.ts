import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interleave } from '../audio/deinterleave.js';
import { decodeSamples, encodeSamples } from '../audio/pcm-decoder.js';
import { replay } from '../clients/replay.js';
import type { AudioEncoding } from '../proto/session-config.js';
import { at16kTo, concatAudio, goForward, resampleTo16k, silence } from './support/audio-fixtures.js';
import { loadLibriVox } from './support/librivox.js';
import { rawEngineTranscripts } from './support/raw-engine.js';
import { startTestServer } from './support/test-server.js';
import { wordErrorRate } from '../clients/wer.js';

const GO_FORWARD = 'go forward ten meters';

describe('encodings, rates and channels over the WebSocket', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ prewarmDecoders: 4 });
  });
  afterAll(() => server?.close());

  it.each<[AudioEncoding, number]>([
    ['pcm_s16le', 16000],
    ['pcm_f32le', 48000],
    ['pcm_s16le', 44100],
    ['pcm_s16le', 22050],
    ['mulaw', 16000],
    ['alaw', 16000],
  ])('%s at %i Hz is decoded and transcribed', async (encoding, rate) => {
    const result = await replayGoForward(encoding, rate);
    expect(result.events[0]).toMatchObject({ type: 'session.started', config: { encoding, sample_rate: rate } });
    expect(result.turns.map((t) => t.text)).toEqual([GO_FORWARD]);
  });

  // The en-US model is wideband: telephone audio is its weak spot, so the reference is
  // PocketSphinx alone on the same 8 kHz audio, not the transcript.
  it.each<[AudioEncoding]>([['mulaw'], ['alaw']])('%s at 8 kHz does no worse than PocketSphinx alone', async (encoding) => {
    const result = await replayGoForward(encoding, 8000);
    const telephone = decodeSamples(encodeSamples(at16kTo(goForward(), 8000), encoding), encoding, 1);
    const [raw] = await rawEngineTranscripts([resampleTo16k(telephone, 8000)]);
    expect(result.turns).toHaveLength(1);
    const parleyWer = wordErrorRate(GO_FORWARD, result.turns[0]!.text);
    expect(parleyWer).toBeLessThanOrEqual(wordErrorRate(GO_FORWARD, raw!) + 0.25);
  });

  async function replayGoForward(encoding: AudioEncoding, rate: number) {
    const audio = at16kTo(concatAudio(silence(300), goForward(), silence(500)), rate);
    const result = await replay(
      { encoding, sampleRate: rate, channels: 1, data: encodeSamples(audio, encoding) },
      { url: server.url, speed: 0, chunkMs: 40 },
    );
    expect(result.closeCode).toBe(1000);
    return result;
  }

  it('keeps two interleaved channels apart, each with its own turns', async () => {
    const other = loadLibriVox().find((u) => u.transcript === 'he was not an ill disposed young man')!;
    const left = concatAudio(silence(200), goForward(), silence(other.samples.length / 16 + 1000));
    const right = concatAudio(silence(200 + goForward().length / 16 + 500), other.samples, silence(500));
    const length = Math.max(left.length, right.length);
    const pad = (s: Float32Array) => concatAudio(s, new Float32Array(length - s.length));
    const result = await replay(
      { encoding: 'pcm_s16le', sampleRate: 16000, channels: 2, data: encodeSamples(interleave([pad(left), pad(right)]), 'pcm_s16le') },
      { url: server.url, speed: 0, chunkMs: 40, config: { labels: { call_id: 'c-42' } } },
    );
    expect(result.events[0]).toMatchObject({ type: 'session.started', config: { channels: 2, labels: { call_id: 'c-42' } } });
    const byChannel = (c: number) => result.turns.filter((t) => t.channel === c);
    expect(byChannel(0).map((t) => [t.turnId, t.text])).toEqual([[1, GO_FORWARD]]);
    expect(byChannel(1).map((t) => t.turnId)).toEqual([1]);
    expect(wordErrorRate(other.transcript, byChannel(1)[0]!.text)).toBeLessThanOrEqual(0.45);
    const speechStarts = result.events.filter((e) => e.type === 'speech.started');
    expect(speechStarts.map((e) => e.channel)).toEqual([0, 1]);
    expect(speechStarts[1]!.at_ms).toBeGreaterThan(goForward().length / 16);
    const ended = result.events.at(-1);
    expect(ended).toMatchObject({ type: 'session.ended', stats: { channels: [{ channel: 0, turns: 1 }, { channel: 1, turns: 1 }] } });
  });
});

describe('late end-of-utterance passes', () => {
  it('send the first-pass text in turn.end, then transcript.corrected with what the final pass changed', async () => {
    const server = await startTestServer({ finalPassWaitMs: 0 });
    try {
      const utterances = loadLibriVox().slice(0, 3);
      const gap = silence(1500);
      const audio = concatAudio(gap, ...utterances.flatMap((u) => [u.samples, gap]));
      const result = await replay(
        { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: encodeSamples(audio, 'pcm_s16le') },
        { url: server.url, speed: 0, chunkMs: 40 },
      );
      const corrections = result.events.filter((e) => e.type === 'transcript.corrected');
      expect(corrections.length).toBeGreaterThan(0);
      for (const correction of corrections) {
        const endIndex = result.events.findIndex((e) => e.type === 'turn.end' && e.turn_id === correction.turn_id);
        const end = result.events[endIndex] as Extract<(typeof result.events)[number], { type: 'turn.end' }>;
        expect(result.events.indexOf(correction)).toBeGreaterThan(endIndex);
        expect(correction.previous_text).toBe(end.text);
        expect(correction.text).not.toBe(end.text);
        const partials = result.events.filter((e) => e.type === 'transcript.partial' && e.turn_id === correction.turn_id);
        expect(correction.revision).toBeGreaterThan(Math.max(0, ...partials.map((p) => (p as { revision: number }).revision)));
      }
      const wer = wordErrorRate(utterances.map((u) => u.transcript).join(' '), result.turns.map((t) => t.text).join(' '));
      expect(wer).toBeLessThanOrEqual(0.45);
    } finally {
      await server.close();
    }
  });
});
