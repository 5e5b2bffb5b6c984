import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../../audio/pcm-decoder.js';
import type { AsrEngine, AsrHypothesis, AsrStream } from '../../models/asr/asr-engine.js';
import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { ACOUSTIC_MODEL, pocketSphinxModelVersion } from '../../models/asr/pocketsphinx/pocketsphinx-model.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../../models/vad/vad-engine.js';
import { ParleyError } from '../../proto/errors.js';
import type { ServerEvent, SessionEndReason } from '../../proto/messages.js';
import { concatAudio, goForward, silence } from '../../test/support/audio-fixtures.js';
import { DEFAULT_SERVER_OPTIONS, DEFAULT_SESSION_CONFIG } from '../config/server-options.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';
import { Session, type SessionOptions, type SessionRuntime } from './session.js';
import { INLINE_PITCH_TRACKING } from '../../models/turn/pitch-tracking.js';

function collectingSink() {
  const events: ServerEvent[] = [];
  const sink = {
    events,
    drains: 0,
    endedWith: null as SessionEndReason | null,
    event: (e: ServerEvent) => events.push(e),
    drain: () => sink.drains++,
    ended: (reason: SessionEndReason) => {
      sink.endedWith = reason;
    },
  };
  return sink;
}

const { finalPassWaitMs, partialDeadlineMs, maxDecodeMs, preRollMs, recognizerTrailingSilenceMs, endOfTurnDeadlineMs, endOfTurnMinIntervalMs } = DEFAULT_SERVER_OPTIONS;
const options = (maxBufferedMs: number, overrides: Partial<SessionOptions> = {}): SessionOptions => ({
  limits: {
    max_message_bytes: 1 << 20,
    max_buffered_audio_ms: maxBufferedMs,
    idle_timeout_ms: 30_000,
    max_turn_ms: 60_000,
    max_session_ms: 0,
    max_partial_words: 100,
  },
  finalPassWaitMs,
  partialDeadlineMs,
  maxDecodeMs,
  preRollMs,
  recognizerTrailingSilenceMs,
  endOfTurnDeadlineMs,
  endOfTurnMinIntervalMs,
  ...overrides,
});

const STEREO = { ...DEFAULT_SESSION_CONFIG, channels: 2 as const };

async function until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const macrotask = () => new Promise((resolve) => setImmediate(resolve));

/** A recognizer stream that says `words` for any audio; its end-of-utterance pass never finishes. */
function stuckStream(words: string[]): AsrStream & { closed: number } {
  const hypothesis: AsrHypothesis = {
    text: words.join(' '),
    words: words.map((word, i) => ({ word, startMs: i * 300, endMs: i * 300 + 250 })),
  };
  return {
    closed: 0,
    startUtterance: async () => undefined,
    accept: async () => hypothesis,
    endUtterance: () => new Promise<AsrHypothesis>(() => undefined),
    close() {
      this.closed++;
    },
  };
}

/** An engine whose `openStream` calls are answered by the test, one by one. */
function scriptedEngine(answer: (call: number, signal: AbortSignal | undefined) => Promise<AsrStream>) {
  const signals: Array<AbortSignal | undefined> = [];
  const engine: AsrEngine = {
    name: 'scripted',
    openStream: (options) => {
      signals.push(options?.signal);
      return answer(signals.length - 1, options?.signal);
    },
    close: async () => undefined,
  };
  return { engine, signals };
}

describe('Session', () => {
  let runtime: SessionRuntime;
  beforeAll(async () => {
    const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000 });
    const [vad, asr] = await Promise.all([
      VadEngine.load({ thread: 'caller' }),
      PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS }),
    ]);
    await asr.prewarm(2);
    runtime = { vad, asr, pitch: INLINE_PITCH_TRACKING, scheduler, recognizer: { engine: asr.name, model: ACOUSTIC_MODEL, ...(await pocketSphinxModelVersion()) } };
  });
  afterAll(async () => {
    await Promise.all([runtime?.vad.close(), runtime?.asr.close()]);
  });

  it('asks the transport to stop reading past max_buffered_audio_ms, drains, and loses no audio', async () => {
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(200), runtime, sink);
    const audio = encodeSamples(concatAudio(silence(300), goForward(), silence(1000)), 'pcm_s16le');
    const accepted = session.pushAudio(audio);
    expect(accepted).toBe(false);
    await session.stop();
    expect(sink.drains).toBeGreaterThanOrEqual(1);
    expect(sink.endedWith).toBe('stop');
    const ended = sink.events.at(-1) as Extract<ServerEvent, { type: 'session.ended' }>;
    expect(ended.stats.channels[0]!.audio_ms).toBeCloseTo(audio.length / 32, 0);
    expect(session.stats).toEqual(ended.stats);
    const ends = sink.events.filter((e) => e.type === 'turn.end');
    expect(ends.map((e) => [e.text, e.reason])).toEqual([['go forward ten meters', 'max_silence']]);
  });

  it('accepts audio below the limit and sends session.started first', async () => {
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(5000), runtime, sink);
    expect(session.pushAudio(encodeSamples(silence(100), 'pcm_s16le'))).toBe(true);
    await session.stop();
    expect(sink.events.map((e) => e.type)).toEqual(['session.started', 'session.ended']);
    // It names the recognizer and its model: the files PocketSphinx loads and their hash.
    expect(sink.events[0]).toMatchObject({ recognizer: { engine: 'pocketsphinx', model: 'en-us', sha256: expect.stringMatching(/^[0-9a-f]{16}$/) } });
    const { files } = (sink.events[0] as Extract<ServerEvent, { type: 'session.started' }>).recognizer;
    expect(files).toEqual(expect.arrayContaining(['en-us/mdef', 'en-us.lm.bin', 'cmudict-en-us.dict']));
  });

  it('rejects audio once closed, and close is idempotent', () => {
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(5000), runtime, sink);
    session.close('client_gone');
    session.close('error');
    expect(sink.endedWith).toBe('client_gone');
    expect(sink.events).toEqual([]);
    expect(() => session.pushAudio(new Uint8Array(2))).toThrowError(expect.objectContaining({ code: 'bad_message' }));
  });

  it("closes the channel's stream that opened when the other channel's failed to open", async () => {
    const opened = stuckStream([]);
    const { engine } = scriptedEngine((call) =>
      call === 0 ? Promise.resolve(opened) : Promise.reject(new ParleyError('engine_failure', 'no decoder', true)),
    );
    const sink = collectingSink();
    new Session(STEREO, options(5000), { ...runtime, asr: engine }, sink);
    await until(() => sink.endedWith !== null);
    expect(opened.closed).toBe(1);
    expect(sink.events.map((e) => e.type)).toEqual(['error', 'session.ended']);
    expect(sink.endedWith).toBe('error');
  });

  it('gives up waiting for decoders when the session closes before they open', async () => {
    const { engine, signals } = scriptedEngine(
      (_, signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(new ParleyError('session_ended', 'gave up waiting for a decoder'))),
        ),
    );
    const sink = collectingSink();
    const session = new Session(STEREO, options(5000), { ...runtime, asr: engine }, sink);
    expect(signals).toHaveLength(2);
    expect(signals.every((s) => s?.aborted === false)).toBe(true);
    session.close('client_gone');
    expect(signals.every((s) => s?.aborted === true)).toBe(true);
    await macrotask();
    expect(sink.events).toEqual([]);
    expect(sink.endedWith).toBe('client_gone');
  });

  it('shutdown() ends the open turn (server_shutdown) with its text, then the session; it is idempotent', async () => {
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(5000), runtime, sink);
    // goforward.raw ends in less silence than end_ms: its turn is still open.
    session.pushAudio(encodeSamples(concatAudio(silence(300), goForward()), 'pcm_s16le'));
    await until(() => sink.events.some((e) => e.type === 'transcript.partial'));

    const shutdown = session.shutdown();
    expect(session.shutdown()).toBe(shutdown);
    // Audio still arriving during the drain is no fault of the client's.
    expect(session.pushAudio(encodeSamples(silence(100), 'pcm_s16le'))).toBe(true);
    await shutdown;
    const tail = sink.events.filter((e) => e.type === 'turn.end' || e.type === 'session.ended');
    expect(tail.map((e) => [e.type, e.reason])).toEqual([
      ['turn.end', 'server_shutdown'],
      ['session.ended', 'server_shutdown'],
    ]);
    expect(sink.events.at(-1)!.type).toBe('session.ended');
    expect((tail[0] as Extract<ServerEvent, { type: 'turn.end' }>).text).not.toBe('');
    expect(sink.endedWith).toBe('server_shutdown');

    const count = sink.events.length;
    await session.shutdown();
    expect(sink.events).toHaveLength(count);
  });

  it('shutdown() waits for no end-of-utterance pass past finalPassWaitMs: the turn ends with the text so far', async () => {
    const scheduler = new WorkScheduler({ concurrency: 1, urgentReserve: 1, utilizationWindowMs: 1000 });
    const stream = stuckStream(['go', 'forward']);
    const { engine } = scriptedEngine(() => Promise.resolve(stream));
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(5000, { finalPassWaitMs: 50 }), { ...runtime, asr: engine, scheduler }, sink);
    session.pushAudio(encodeSamples(concatAudio(silence(300), goForward()), 'pcm_s16le'));
    await until(() => sink.events.some((e) => e.type === 'transcript.partial'));

    await session.shutdown();
    const ends = sink.events.filter((e) => e.type === 'turn.end');
    expect(ends.map((e) => [e.text, e.reason])).toEqual([['go forward', 'server_shutdown']]);
    expect(sink.events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'server_shutdown' });
    expect(stream.closed).toBe(1);
    scheduler.close();
  });

  it('close() during shutdown() ends the session at once, with its own reason', async () => {
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(5000), runtime, sink);
    session.pushAudio(encodeSamples(concatAudio(silence(300), goForward()), 'pcm_s16le'));
    await until(() => sink.events.some((e) => e.type === 'speech.started'));

    const shutdown = session.shutdown();
    session.close('client_gone');
    expect(sink.endedWith).toBe('client_gone');
    await shutdown;
    expect(sink.events.filter((e) => e.type === 'session.ended')).toEqual([]);
    expect(sink.endedWith).toBe('client_gone');
  });
});
