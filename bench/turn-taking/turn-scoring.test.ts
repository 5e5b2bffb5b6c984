import { describe, expect, it } from 'vitest';
import type { ServerEvent, TurnEndReason } from '../../proto/messages.js';
import type { TimedEvent } from '../turn-latency/call-runner.js';
import { addTallies, audioSentBy, sentTimeAt, summarizeTally, tallyCall, type ScoredCall } from './turn-scoring.js';
import { trueTurns } from './turn-truth.js';

/** The client sends audio ms t at wall time 1000 + t, in 20 ms chunks. */
const sentAt = Array.from({ length: 1500 }, (_, k) => 1000 + k * 20);
const wall = (audioMs: number) => 1000 + audioMs;

const eager = (channel: number, turn_id: number, speech_end_ms: number, at: number, latency_ms = 0): TimedEvent => ({
  event: { type: 'turn.eager_end', channel, turn_id, text: '', speech_end_ms, latency_ms },
  at,
});
const resumed = (channel: number, turn_id: number, at: number): TimedEvent => ({ event: { type: 'turn.resumed', channel, turn_id }, at });
const end = (channel: number, turn_id: number, speech_end_ms: number, at: number, reason: TurnEndReason = 'max_silence', latency_ms = 0): TimedEvent => ({
  event: { type: 'turn.end', channel, turn_id, text: '', words: [], speech_end_ms, latency_ms, reason },
  at,
});
const started = (channel: number, turn_id: number, at_ms: number): TimedEvent => ({
  event: { type: 'speech.started', channel, turn_id, at_ms } satisfies ServerEvent,
  at: wall(at_ms),
});

const channel0 = [
  { startMs: 1000, endMs: 5000 },
  { startMs: 8000, endMs: 12_000 },
  { startMs: 20_000, endMs: 21_000 },
  { startMs: 21_500, endMs: 23_000 },
];
const channel1 = [{ startMs: 0, endMs: 2000 }];

function call(events: TimedEvent[]): ScoredCall {
  return {
    truth: [
      { channel: 0, turns: trueTurns(channel0, channel0) },
      { channel: 1, turns: trueTurns(channel1, channel1) },
    ],
    events,
    sentAt,
    chunkMs: 20,
  };
}

describe('tallyCall', () => {
  const events = [
    started(1, 1, 0),
    started(0, 1, 1000),
    eager(0, 1, 3000, wall(3070)),
    resumed(0, 1, wall(3300)),
    end(0, 1, 3000, wall(3830)), // a pause inside the first turn: a cut-off
    eager(1, 1, 2000, wall(2050), 45),
    end(1, 1, 2000, wall(2850), 'max_silence', 840),
    eager(0, 2, 4950, wall(5060), 50),
    end(0, 2, 4950, wall(5840), 'max_silence', 830),
    end(0, 3, 6500, wall(7300)), // noise between turns
    eager(0, 4, 9500, wall(9600)), // inside the second turn, never resumed
    end(0, 4, 9500, wall(10_300)),
    eager(0, 5, 12_100, wall(12_080), 70),
    end(0, 5, 12_100, wall(12_900), 'model', 880),
    end(0, 6, 21_000, wall(21_800)), // at a true end, but after the next turn began at 21500
    end(0, 7, 23_000, wall(24_000), 'stop'),
  ];

  it('counts ends found, cut-offs, late, other and forced ends, per channel', () => {
    const t = tallyCall(call(events));
    expect(t).toMatchObject({
      trueTurns: 5,
      trueEnds: 5,
      endsFound: 3,
      cutOffs: 2,
      lateEnds: 1,
      unheardEnds: 0,
      otherEnds: 1,
      forcedEnds: 1,
      eagerEnds: 5,
      falseEagerEnds: 2,
      turnMs: 4000 + 4000 + 1000 + 1500 + 2000,
      endReasons: { max_silence: 6, model: 1, stop: 1 },
    });
    // From when the client sent the audio at the true end: 5000, 12000 on channel 0; 2000 on channel 1.
    expect(t.eagerLatencyMs).toEqual([60, 80, 50]);
    expect(t.finalLatencyMs).toEqual([840, 900, 850]);
    expect(t.serverEagerLatencyMs).toEqual([50, 70, 45]);
    expect(t.serverFinalLatencyMs).toEqual([830, 880, 840]);
    expect(t.speechEndOffsetMs).toEqual([-50, 100, 0]);
  });

  it('finds a true end once and times only the eager end that stood', () => {
    const t = tallyCall(call([eager(0, 1, 5000, wall(5070)), resumed(0, 1, wall(5100)), eager(0, 1, 5100, wall(5170)), end(0, 1, 5100, wall(5900)), end(0, 2, 5000, wall(7000))]));
    expect(t).toMatchObject({ endsFound: 1, otherEnds: 1, eagerEnds: 2, falseEagerEnds: 1 });
    expect(t.eagerLatencyMs).toEqual([170]);
  });

  it('counts the true ends of turns the server heard nothing of', () => {
    // Channel 0: speech heard over the first turn only (with a pause resumed inside it); channel 1: nothing.
    const heardFirst = [started(0, 1, 1100), eager(0, 1, 3000, wall(3070)), resumed(0, 1, wall(3300)), end(0, 1, 5000, wall(5800))];
    expect(tallyCall(call(heardFirst))).toMatchObject({ trueEnds: 5, endsFound: 1, unheardEnds: 4 });
    // A turn still open covers every true turn after its start: only channel 0's first and channel 1's are unheard.
    expect(tallyCall(call([started(0, 1, 7000)]))).toMatchObject({ unheardEnds: 2 });
    expect(tallyCall(call([started(0, 1, 500), end(0, 1, 30_000, wall(30_800)), started(1, 1, 0)]))).toMatchObject({ unheardEnds: 0 });
  });

  it('summarizes rates per minute of turns and per turn, and latency percentiles', () => {
    const s = summarizeTally(addTallies([tallyCall(call(events)), tallyCall(call([]))]));
    expect(s).toMatchObject({
      true_turns: 10,
      true_ends: 10,
      ends_found: 3,
      found_pct: 30,
      cut_offs: 2,
      cut_offs_per_min: +(2 / ((2 * 12_500) / 60_000)).toFixed(2),
      false_eager_per_turn: 0.2,
      eager_p50_ms: 60,
      eager_p95_ms: 80,
      final_p50_ms: 850,
      final_p95_ms: 900,
      turn_min: 0.42,
    });
    expect(summarizeTally(tallyCall(call([])))).toMatchObject({ ends_found: 0, found_pct: 0, eager_p50_ms: null });
  });
});

describe('send clock', () => {
  const c = call([]);
  it('maps audio to the wall time its chunk was sent, and back', () => {
    expect(sentTimeAt(c, 5000)).toBe(6000);
    expect(sentTimeAt(c, 5019)).toBe(6000);
    expect(sentTimeAt(c, -5)).toBe(1000);
    expect(sentTimeAt(c, 1e9)).toBe(sentAt.at(-1));
    expect(audioSentBy(c, 999)).toBe(0);
    expect(audioSentBy(c, 6000)).toBe(5020);
    expect(audioSentBy(c, 6019)).toBe(5020);
  });
});
