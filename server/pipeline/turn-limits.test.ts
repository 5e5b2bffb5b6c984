import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatSamples } from '../../audio/concat-samples.js';
import { wordErrorRate } from '../../clients/wer.js';
import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../../models/vad/vad-engine.js';
import type { ChannelEvent } from '../../proto/messages.js';
import { concatAudio, goForward, silence } from '../../test/support/audio-fixtures.js';
import { CountingStream, type AsrCall } from '../../test/support/counting-asr-stream.js';
import { finalTexts } from '../../test/support/heard-audio.js';
import { loadLibriVox } from '../../test/support/librivox.js';
import { defaultPipelineOptions } from '../../test/support/pipeline-options.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';
import { toInt16 } from '../../audio/to-int16.js';
import { ChannelPipeline, type ChannelPipelineOptions } from './channel-pipeline.js';

const SAMPLES_PER_MS = 16;
/** One VAD chunk: the detector decides in these steps. */
const VAD_CHUNK_MS = 32;

type Event<T extends ChannelEvent['type']> = Extract<ChannelEvent, { type: T }>;
const ofType = <T extends ChannelEvent['type']>(events: readonly ChannelEvent[], type: T) =>
  events.filter((e): e is Event<T> => e.type === type);

interface Run {
  events: ChannelEvent[];
  /** The audio of the whole call as the recognizer heard it, utterance after utterance. */
  heard: Float32Array;
}

describe('ChannelPipeline turn limits, with the real VAD and PocketSphinx', () => {
  let vad: VadEngine;
  let asr: PocketSphinxEngine;
  const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000 });
  /** "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them": 7 s. */
  const libri = loadLibriVox().find((u) => u.id.endsWith('0870'))!;

  beforeAll(async () => {
    [vad, asr] = await Promise.all([VadEngine.load({ thread: 'caller' }), PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS })]);
  });
  afterAll(async () => {
    await Promise.all([vad?.close(), asr?.close()]);
  });

  /**
   * Streams 16 kHz audio, as fast as it is taken, through one pipeline with the server's
   * defaults and `overrides`; `finalizeAtMs` sends a finalize after that much audio. Ends with
   * `finish()` (the client's stop).
   */
  async function run(audio: Float32Array, overrides: Partial<ChannelPipelineOptions>, finalizeAtMs?: number): Promise<Run> {
    const options = defaultPipelineOptions('limits', overrides);
    const log: AsrCall[] = [];
    const events: ChannelEvent[] = [];
    let failure: unknown;
    const stream = new CountingStream(await asr.openStream(), 'limits', log);
    const pipeline = new ChannelPipeline(options, vad.openStream(), Promise.resolve(stream), scheduler, {
      emit: (event) => events.push(event),
      fail: (error) => (failure ??= error),
      progressed: () => undefined,
    });
    const finalizeAt = finalizeAtMs === undefined ? -1 : Math.round(finalizeAtMs * SAMPLES_PER_MS);
    const piece = 320;
    for (let at = 0; at < audio.length; at += piece) {
      if (finalizeAt >= at && finalizeAt < at + piece) pipeline.finalize();
      pipeline.push(audio.subarray(at, at + piece), performance.now());
    }
    await pipeline.finish();
    pipeline.close();
    if (failure !== undefined) throw failure;
    const accepted = log.filter((c) => c.method === 'accept').map((c) => c.samples);
    return { events, heard: concatSamples(accepted) };
  }

  it('says why each turn ended: its silence, a finalize, or the stop', async () => {
    const speech = goForward();
    // Three utterances: the first ends by silence, the second by finalize, the third by stop.
    const audio = concatAudio(silence(500), speech, silence(1500), speech, silence(200), speech);
    const finalizeAtMs = 500 + (2 * speech.length) / SAMPLES_PER_MS + 1500 - 400;
    const { events } = await run(audio, {}, finalizeAtMs);
    expect(ofType(events, 'turn.end').map((e) => e.reason)).toEqual(['max_silence', 'finalize', 'stop']);
  });

  it('cuts a turn at maxTurnMs and starts the next at the cut, so the recognizer hears all the speech', async () => {
    const maxTurnMs = 2000;
    const audio = concatAudio(silence(500), libri.samples, silence(1500));
    const { events, heard } = await run(audio, { maxTurnMs });

    const ends = ofType(events, 'turn.end');
    const starts = ofType(events, 'speech.started');
    // 7 s of speech in turns of at most 2 s; only the last one ends by its silence.
    expect(ends.length).toBeGreaterThanOrEqual(4);
    expect(ends.map((e) => e.reason)).toEqual([...ends.slice(1).map(() => 'max_duration'), 'max_silence']);
    expect(starts.map((s) => s.turn_id)).toEqual(ends.map((_, i) => i + 1));
    for (const [i, end] of ends.entries()) {
      expect(end.speech_end_ms - starts[i]!.at_ms).toBeLessThan(maxTurnMs + VAD_CHUNK_MS);
      if (end.reason !== 'max_duration') continue;
      // The next turn starts where this one was cut, right after its end.
      expect(starts[i + 1]!.at_ms).toBe(end.speech_end_ms);
      expect(events[events.indexOf(end) + 1]).toBe(starts[i + 1]);
    }
    // The turns' audio, joined, is one unbroken stretch of the call that holds all the speech.
    const start = offsetOf(toInt16(audio), toInt16(heard));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(start / SAMPLES_PER_MS).toBeLessThan(starts[0]!.at_ms);
    expect((start + heard.length) / SAMPLES_PER_MS).toBeGreaterThan(ends.at(-1)!.speech_end_ms);
    // And the words survive the cuts (PocketSphinx alone: about 0.3 on this utterance).
    expect(wordErrorRate(libri.transcript, finalTexts(events).join(' '))).toBeLessThanOrEqual(0.45);
  });

  it('leaves stable leading words out of partials past maxPartialWords, and never a word the client lacks', async () => {
    const maxPartialWords = 4;
    const audio = concatAudio(silence(500), libri.samples, silence(1500));
    const { events } = await run(audio, { maxPartialWords });

    const partials = ofType(events, 'transcript.partial');
    expect(partials.some((p) => (p.omitted_words ?? 0) > 0)).toBe(true);
    // The turn as the client rebuilds it from the partials, and how much of it is stable.
    let known: string[] = [];
    let stable = 0;
    for (const p of partials) {
      const words = p.words.map((w) => w.word);
      expect(p.text).toBe(words.join(' '));
      expect(p.stable_words).toBeLessThanOrEqual(words.length);
      // Past the limit only when the unstable tail alone is longer.
      if (words.length > maxPartialWords) expect(p.stable_words).toBe(0);
      // Left out: words the client had, at the same places (stable words never move).
      const omitted = p.omitted_words ?? 0;
      expect(omitted).toBeLessThanOrEqual(known.length);
      const rebuilt = [...known.slice(0, omitted), ...words];
      expect(rebuilt.slice(0, stable)).toEqual(known.slice(0, stable));
      known = rebuilt;
      stable = omitted + p.stable_words;
    }
    // turn.end carries the whole turn.
    const [end] = ofType(events, 'turn.end');
    expect(end!.words.length).toBeGreaterThan(2 * maxPartialWords);
    expect(end!.text).toBe(end!.words.map((w) => w.word).join(' '));
  });
});

/** Where `piece` starts in `whole`, checked over its whole length; -1 if nowhere. */
function offsetOf(whole: Int16Array, piece: Int16Array): number {
  const probe = piece.subarray(0, 160);
  for (let o = 0; o + piece.length <= whole.length; o++) {
    if (probe.every((v, i) => whole[o + i] === v) && piece.every((v, i) => whole[o + i] === v)) return o;
  }
  return -1;
}
