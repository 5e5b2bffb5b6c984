import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../../models/vad/vad-engine.js';
import { concatAudio, goForward, silence } from '../../test/support/audio-fixtures.js';
import { finalTexts, runChannel } from '../../test/support/heard-audio.js';
import { loadLibriVox } from '../../test/support/librivox.js';
import { rawEngineTranscripts } from '../../test/support/raw-engine.js';
import { DEFAULT_SERVER_OPTIONS } from '../config/server-options.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';
import { toInt16 } from '../../audio/to-int16.js';

const SAMPLES_PER_MS = 16;
const TRAILING_MS = DEFAULT_SERVER_OPTIONS.recognizerTrailingSilenceMs;
/** One VAD chunk: the detector decides in these steps. */
const VAD_CHUNK_MS = 32;

/** Faint noise that makes every stretch of the call distinct, so heard audio can be located in it. */
function withNoiseFloor(samples: Float32Array): Float32Array {
  let seed = 12345;
  return samples.map((s) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return s + (seed / 2 ** 31 - 0.5) * 0.002;
  });
}

/** Where `piece` starts in `whole`, checked over its whole length; -1 if nowhere. */
function offsetOf(whole: Int16Array, piece: Int16Array): number {
  const probe = piece.subarray(0, 160);
  for (let o = 0; o + piece.length <= whole.length; o++) {
    if (probe.every((v, i) => whole[o + i] === v) && piece.every((v, i) => whole[o + i] === v)) return o;
  }
  return -1;
}

describe('ChannelPipeline with the real VAD and PocketSphinx', () => {
  let vad: VadEngine;
  let asr: PocketSphinxEngine;
  const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000 });

  beforeAll(async () => {
    [vad, asr] = await Promise.all([VadEngine.load({ thread: 'caller' }), PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS })]);
  });
  afterAll(async () => {
    await Promise.all([vad?.close(), asr?.close()]);
  });

  it("stops feeding the recognizer a turn's trailing silence past recognizerTrailingSilenceMs, with the same words", async () => {
    const audio = withNoiseFloor(concatAudio(silence(500), goForward(), silence(2500)));
    const { events, heard } = await runChannel(audio, { vad, asr, scheduler });

    const ends = events.filter((e) => e.type === 'turn.end');
    expect(ends).toHaveLength(1);
    expect(finalTexts(events)).toEqual(['go forward ten meters']);
    // What the recognizer heard is one unbroken stretch of the call ...
    expect(heard).toHaveLength(1);
    const start = offsetOf(toInt16(audio), toInt16(heard[0]!));
    expect(start).toBeGreaterThanOrEqual(0);
    // ... that stops within one VAD chunk of the allowed silence after the speech end.
    const heardUntilMs = (start + heard[0]!.length) / SAMPLES_PER_MS;
    const speechEndMs = ends[0]!.speech_end_ms;
    expect(heardUntilMs).toBeGreaterThan(speechEndMs + TRAILING_MS - VAD_CHUNK_MS);
    expect(heardUntilMs).toBeLessThanOrEqual(speechEndMs + TRAILING_MS + VAD_CHUNK_MS);
  });

  it('gives the recognizer the held pause when speech resumes in the same turn, so it hears the turn unbroken', async () => {
    // goforward.raw has about 0.5 s of silence around its speech: cut so the pause between
    // the two copies is longer than recognizerTrailingSilenceMs and shorter than end_ms.
    const speech = goForward();
    const first = speech.subarray(0, 2500 * SAMPLES_PER_MS);
    const second = speech.subarray(400 * SAMPLES_PER_MS);
    const audio = withNoiseFloor(concatAudio(silence(500), first, second, silence(2500)));
    const { events, heard } = await runChannel(audio, { vad, asr, scheduler });

    expect(events.filter((e) => e.type === 'speech.started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'turn.resumed')).toHaveLength(1);
    expect(heard).toHaveLength(1);
    const start = offsetOf(toInt16(audio), toInt16(heard[0]!));
    expect(start).toBeGreaterThanOrEqual(0);
    // The second utterance was heard to its end, the pause before it included.
    const resumedAtMs = 500 + first.length / SAMPLES_PER_MS;
    expect(start / SAMPLES_PER_MS).toBeLessThan(500 + 600);
    expect((start + heard[0]!.length) / SAMPLES_PER_MS).toBeGreaterThan(resumedAtMs + 1500);
    expect(finalTexts(events)).toEqual(['go forward ten meters go forward ten meters']);
  });

  it('loses no words to scheduling: each final is what PocketSphinx alone makes of the audio the recognizer heard', async () => {
    // One slot and audio as fast as it comes: the recognizer falls behind and merges its work.
    const busy = new WorkScheduler({ concurrency: 1, urgentReserve: 0, utilizationWindowMs: 1000 });
    const utterances = loadLibriVox().slice(0, 3);
    const audio = concatAudio(silence(1200), ...utterances.flatMap((u) => [u.samples, silence(1500)]));
    const { events, heard } = await runChannel(audio, { vad, asr, scheduler: busy });

    expect(heard).toHaveLength(3);
    expect(finalTexts(events)).toEqual(await rawEngineTranscripts(heard));
  });
});
