import { describe, expect, it } from 'vitest';
import type { ServerEvent, SessionStartedEvent } from '../../proto/messages.js';
import type { CallRecording, ReceivedEvent } from './call-recording.js';
import { scoreCall } from './call-scoring.js';

const sessionStarted: SessionStartedEvent = {
  type: 'session.started',
  session_id: 'sess-1',
  config: {
    encoding: 'pcm_s16le',
    sample_rate: 16000,
    channels: 1,
    interim_results: true,
    end_of_turn: 'model',
    eager_end_ms: 64,
    end_ms: 800,
    eot_threshold: 0.85,
    eager_eot_threshold: 0.05,
    min_end_ms: 160,
    max_end_ms: 1200,
    labels: {},
  },
  limits: { max_message_bytes: 1 << 20, max_buffered_audio_ms: 5000, idle_timeout_ms: 30000, max_turn_ms: 60000, max_session_ms: 0, max_partial_words: 100 },
  recognizer: { engine: 'pocketsphinx', model: 'en-us', files: [], sha256: '0123456789abcdef' },
};

const received = (at: number, event: ServerEvent): ReceivedEvent => ({ at, event });
const word = (w: string, start_ms: number, end_ms: number) => ({ word: w, start_ms, end_ms });
const wsClose = { code: 1000, ok: true, label: 'ws 1000' };

/** 3 s of audio in 100 ms messages, sent in real time from wall time 1000: audio t was sent at 1000 + 100 * floor(t / 100). */
const realTime = Array.from({ length: 30 }, (_, k) => 1000 + 100 * k);

/**
 * One caller, two turns. Turn 1: "the cap" flickers to "the cat sat", an eager end is taken
 * back by `turn.resumed`, a windowed partial (first word left out) adds "on uh", the second
 * eager end stands, `turn.end` drops "uh", and a correction makes "on" into "on a". Turn 2
 * has no partials and ends at `stop` without an eager end.
 */
const catCall: CallRecording = {
  chunkSentAt: realTime,
  chunkMs: 100,
  close: wsClose,
  events: [
    received(980, sessionStarted),
    received(1420, { type: 'speech.started', channel: 0, turn_id: 1, at_ms: 300 }),
    received(1650, { type: 'transcript.partial', channel: 0, turn_id: 1, revision: 1, text: 'the', stable_words: 0, words: [word('the', 300, 500)] }),
    received(1920, { type: 'transcript.partial', channel: 0, turn_id: 1, revision: 2, text: 'the cap', stable_words: 0, words: [word('the', 300, 500), word('cap', 520, 800)] }),
    received(2230, {
      type: 'transcript.partial',
      channel: 0,
      turn_id: 1,
      revision: 3,
      text: 'the cat sat',
      stable_words: 1,
      words: [word('the', 300, 500), word('cat', 520, 780), word('sat', 800, 1100)],
    }),
    received(2250, { type: 'turn.eager_end', channel: 0, turn_id: 1, text: 'the cat sat', speech_end_ms: 1100, latency_ms: 95 }),
    received(2480, { type: 'turn.resumed', channel: 0, turn_id: 1 }),
    received(2640, {
      type: 'transcript.partial',
      channel: 0,
      turn_id: 1,
      revision: 4,
      text: 'cat sat on uh',
      stable_words: 2,
      words: [word('cat', 520, 780), word('sat', 800, 1100), word('on', 1300, 1450), word('uh', 1460, 1550)],
      omitted_words: 1,
    }),
    received(2690, { type: 'turn.eager_end', channel: 0, turn_id: 1, text: 'the cat sat on uh', speech_end_ms: 1550, latency_ms: 160 }),
    received(3010, {
      type: 'turn.end',
      channel: 0,
      turn_id: 1,
      text: 'the cat sat on',
      words: [word('the', 300, 500), word('cat', 520, 780), word('sat', 800, 1100), word('on', 1300, 1450)],
      speech_end_ms: 1550,
      latency_ms: 480,
      reason: 'model',
    }),
    received(3120, { type: 'speech.started', channel: 0, turn_id: 2, at_ms: 2000 }),
    received(3150, { type: 'transcript.corrected', channel: 0, turn_id: 1, revision: 6, text: 'the cat sat on a', previous_text: 'the cat sat on' }),
    received(3400, { type: 'error', code: 'bad_message', message: 'unknown message type', fatal: false }),
    received(3990, {
      type: 'turn.end',
      channel: 0,
      turn_id: 2,
      text: 'mat',
      words: [word('mat', 2000, 2350)],
      speech_end_ms: 2350,
      latency_ms: 620,
      reason: 'stop',
    }),
    received(4000, { type: 'session.ended', reason: 'stop', stats: { channels: [{ channel: 0, audio_ms: 3000, turns: 2, eager_ends: 2, resumed: 1 }] } }),
  ],
};

describe('scoreCall', () => {
  const report = scoreCall({ id: 'cat', audio: 'calls/cat.wav', audioMs: 3000, channels: 1, references: ['The cat sat on the mat.'], expectedTurns: [2], recording: catCall });

  it('scores the corrected finals of the turns, in order, against the reference', () => {
    const [channel] = report.channels;
    expect(channel!.reference).toBe('the cat sat on the mat');
    expect(channel!.hypothesis).toBe('the cat sat on a mat');
    const counts = { reference_words: 6, hypothesis_words: 6, substitutions: 1, deletions: 0, insertions: 0, wer: 1 / 6 };
    expect(channel!.wer).toEqual(counts);
    expect(channel!.alignment).toEqual([
      { op: 'match', ref: 'the', hyp: 'the' },
      { op: 'match', ref: 'cat', hyp: 'cat' },
      { op: 'match', ref: 'sat', hyp: 'sat' },
      { op: 'match', ref: 'on', hyp: 'on' },
      { op: 'sub', ref: 'the', hyp: 'a' },
      { op: 'match', ref: 'mat', hyp: 'mat' },
    ]);
    expect(report.wer).toEqual(counts);
  });

  it('counts turns, eager ends, resumes, flicker and corrections', () => {
    expect(report.channels[0]).toMatchObject({
      channel: 0,
      turns: 2,
      expected_turns: 2,
      eager_ends: 2,
      resumed: 1,
      false_eager_ends_per_turn: 0.5,
      // Turn 1 showed 5 positions; "cap" became "cat" and "uh" is not in the final.
      flicker: 2 / 5,
      corrections: 1,
    });
  });

  it('draws each turn with its latencies and the audio times its ends were received at', () => {
    expect(report.turns).toEqual([
      {
        channel: 0,
        turn_id: 1,
        speech_start_ms: 300,
        speech_end_ms: 1550,
        // 2690 is 90 ms after message 16 (audio 1600) was sent; 3010 is 10 ms after message 20.
        eager_end_at_ms: 1690,
        end_at_ms: 2010,
        // The eager end that stood, received at 2690, against 2500 when audio 1550 was sent;
        // the first (2250) was resumed and does not count.
        eager_latency_ms: 190,
        final_latency_ms: 3010 - 2500,
        server_eager_latency_ms: 160,
        server_final_latency_ms: 480,
        resumed: 1,
        corrected: true,
        partial_words: [
          { word: 'the', start_ms: 300, end_ms: 500, changed: false, latency_ms: 1650 - 1500 },
          { word: 'cap', start_ms: 520, end_ms: 800, changed: true, latency_ms: 1920 - 1800 },
          { word: 'sat', start_ms: 800, end_ms: 1100, changed: false, latency_ms: 2230 - 2100 },
          // Positions 3 and 4 of the turn, though 2 and 3 of the windowed partial.
          { word: 'on', start_ms: 1300, end_ms: 1450, changed: false, latency_ms: 2640 - 2400 },
          { word: 'uh', start_ms: 1460, end_ms: 1550, changed: true, latency_ms: 2640 - 2500 },
        ],
        final_words: [word('the', 300, 500), word('cat', 520, 780), word('sat', 800, 1100), word('on', 1300, 1450)],
      },
      {
        channel: 0,
        turn_id: 2,
        speech_start_ms: 2000,
        speech_end_ms: 2350,
        eager_end_at_ms: null,
        // 3990 is 90 ms after the last message (audio 2900) was sent.
        end_at_ms: 2990,
        eager_latency_ms: null,
        final_latency_ms: 3990 - 3300,
        server_eager_latency_ms: null,
        server_final_latency_ms: 620,
        resumed: 0,
        corrected: false,
        partial_words: [],
        final_words: [word('mat', 2000, 2350)],
      },
    ]);
  });

  it('gives the percentiles of the call\'s latencies', () => {
    expect(report.latency).toEqual({
      perceived: { count: 1, p50: 190, p95: 190, p99: 190, p999: 190 },
      final: { count: 2, p50: 510, p95: 690, p99: 690, p999: 690 },
      // 120, 130, 140, 150, 240: rank 3 is the median, rank 5 every higher percentile.
      partial: { count: 5, p50: 140, p95: 240, p99: 240, p999: 240 },
      server_perceived: { count: 1, p50: 160, p95: 160, p99: 160, p999: 160 },
      server_final: { count: 2, p50: 480, p95: 620, p99: 620, p999: 620 },
    });
  });

  it('keeps the call, its session, errors and close', () => {
    expect(report).toMatchObject({
      id: 'cat',
      audio: 'calls/cat.wav',
      audio_ms: 3000,
      server_clock_lead_ms: 0,
      session_id: 'sess-1',
      errors: [{ code: 'bad_message', message: 'unknown message type', fatal: false }],
      close: wsClose,
      failure: null,
      timeline_png: null,
    });
  });
});

describe('scoreCall, other calls', () => {
  it('scores only the channels with a reference, and a turn ended without a standing eager end has no perceived latency', () => {
    const recording: CallRecording = {
      chunkSentAt: realTime,
      chunkMs: 100,
      close: wsClose,
      events: [
        received(990, { ...sessionStarted, session_id: 'sess-2', config: { ...sessionStarted.config, channels: 2 } }),
        received(1300, { type: 'speech.started', channel: 0, turn_id: 1, at_ms: 100 }),
        received(1350, { type: 'speech.started', channel: 1, turn_id: 1, at_ms: 150 }),
        received(1500, { type: 'turn.eager_end', channel: 1, turn_id: 1, text: 'hi', speech_end_ms: 400, latency_ms: 70 }),
        received(1600, { type: 'turn.resumed', channel: 1, turn_id: 1 }),
        received(1700, { type: 'turn.end', channel: 0, turn_id: 1, text: 'Hello there', words: [word('hello', 100, 300), word('there', 320, 500)], speech_end_ms: 500, latency_ms: 150, reason: 'model' }),
        received(1800, { type: 'turn.end', channel: 1, turn_id: 1, text: 'hi how are', words: [word('hi', 150, 400), word('how', 600, 700), word('are', 720, 800)], speech_end_ms: 800, latency_ms: 900, reason: 'finalize' }),
      ],
    };
    const report = scoreCall({ id: 'two', audio: 'two.wav', audioMs: 3000, channels: 2, references: ['hello there', null], expectedTurns: [1, null], recording });
    expect(report.channels.map((c) => [c.reference, c.hypothesis, c.wer?.wer, c.turns, c.expected_turns, c.false_eager_ends_per_turn, c.flicker])).toEqual([
      ['hello there', 'hello there', 0, 1, 1, 0, null],
      [null, 'hi how are', undefined, 1, null, 1, null],
    ]);
    expect(report.channels[1]!.alignment).toBeNull();
    expect(report.wer).toMatchObject({ reference_words: 2, wer: 0 });
    expect(report.turns.map((t) => [t.channel, t.eager_latency_ms, t.final_latency_ms])).toEqual([
      [0, null, 1700 - 1500],
      [1, null, 1800 - 1800],
    ]);
    expect(report.latency.perceived.count).toBe(0);
  });

  it('has no WER for a call that could not run, however many references it has', () => {
    const recording: CallRecording = { events: [], chunkSentAt: [], chunkMs: 20, close: { code: 1013, ok: false, label: 'ws 1013' }, failure: 'capacity_exceeded' };
    const report = scoreCall({ id: 'refused', audio: 'r.wav', audioMs: 5000, channels: 1, references: ['hello'], expectedTurns: [1], recording });
    expect(report.channels[0]).toMatchObject({ reference: 'hello', hypothesis: '', wer: null, alignment: null, turns: 0, false_eager_ends_per_turn: null, flicker: null });
    expect(report).toMatchObject({ wer: null, failure: 'capacity_exceeded', session_id: null, errors: [], turns: [] });
    expect(report.latency.final).toEqual({ count: 0, p50: null, p95: null, p99: null, p999: null });
  });

  it('keeps a negative latency as measured (WebRTC: the server placed the speech end after the audio the client had played)', () => {
    const recording: CallRecording = {
      chunkSentAt: [],
      chunkMs: 20,
      serverClockStartedAt: 1000,
      close: { code: 201, ok: true, label: 'webrtc 201' },
      events: [
        received(1400, { type: 'speech.started', channel: 0, turn_id: 1, at_ms: 100 }),
        received(1500, { type: 'turn.end', channel: 0, turn_id: 1, text: 'yes', words: [word('yes', 100, 580)], speech_end_ms: 600, latency_ms: 40, reason: 'finalize' }),
      ],
    };
    const report = scoreCall({ id: 'rtc', audio: 'rtc.wav', audioMs: 1000, channels: 1, references: [null], expectedTurns: [null], recording });
    expect(report.turns[0]).toMatchObject({ final_latency_ms: -100, end_at_ms: 500 });
    expect(report.latency.final.p50).toBe(-100);
  });

  it('with turn boundaries, counts the true ends a turn.end found and the turn.ends that cut a turn off', () => {
    const end = (at: number, turnId: number, speechEndMs: number): ReceivedEvent =>
      received(at, { type: 'turn.end', channel: 0, turn_id: turnId, text: 'x', words: [], speech_end_ms: speechEndMs, latency_ms: 0, reason: 'model' });
    const recording: CallRecording = {
      chunkSentAt: Array.from({ length: 300 }, (_, k) => k * 20),
      chunkMs: 20,
      close: { code: 1000, ok: true, label: 'ws 1000' },
      // The speaker's one turn runs to 3000 ms with a pause at 1200: the first end cuts it off,
      // the second is at its end; the third is noise after it.
      events: [end(2000, 1, 1200), end(3800, 2, 3100), end(5800, 3, 5000)],
    };
    const report = scoreCall({
      id: 'bounded',
      audio: 'b.wav',
      audioMs: 6000,
      channels: 1,
      references: [null],
      expectedTurns: [1],
      turnBoundaries: [[{ start_ms: 300, end_ms: 3000 }]],
      recording,
    });
    expect(report.channels[0]).toMatchObject({ turns: 3, expected_turns: 1, turns_matched: 1, cut_offs: 1 });
    const unbounded = scoreCall({ id: 'free', audio: 'b.wav', audioMs: 6000, channels: 1, references: [null], expectedTurns: [null], recording });
    expect(unbounded.channels[0]).toMatchObject({ turns_matched: null, cut_offs: null });
  });

  it("over WebRTC, places turn boundaries on the server's clock, which runs ahead of the call's audio", () => {
    const end = (at: number, turnId: number, speechEndMs: number): ReceivedEvent =>
      received(at, { type: 'turn.end', channel: 0, turn_id: turnId, text: 'x', words: [], speech_end_ms: speechEndMs, latency_ms: 0, reason: 'model' });
    // The data channel opened at 1000, the track played the first audio at 1350: the server's
    // clock is 350 ms ahead. The call's turns end at 3000 and 6000 ms of its audio, which the
    // server heard at 3350 and 6350 and ended at 3400 and 6420.
    const recording: CallRecording = {
      chunkSentAt: [],
      chunkMs: 20,
      serverClockStartedAt: 1000,
      audioStartedAt: 1350,
      close: { code: 201, ok: true, label: 'webrtc 201' },
      events: [end(5000, 1, 3400), end(8000, 2, 6420)],
    };
    const input = { id: 'rtc', audio: 'rtc.wav', audioMs: 7000, channels: 1, references: [null], expectedTurns: [2], recording };
    const turnBoundaries = [[{ start_ms: 500, end_ms: 3000 }, { start_ms: 4000, end_ms: 6000 }]];
    const report = scoreCall({ ...input, turnBoundaries });
    expect(report.server_clock_lead_ms).toBe(350);
    expect(report.channels[0]).toMatchObject({ turns_matched: 2, cut_offs: 0 });
    // Read on the call's own clock, both ends would be 400 ms late: neither found.
    const unshifted = scoreCall({ ...input, turnBoundaries, recording: { ...recording, audioStartedAt: undefined } });
    expect(unshifted.server_clock_lead_ms).toBe(0);
    expect(unshifted.channels[0]).toMatchObject({ turns_matched: 0 });
  });
});
