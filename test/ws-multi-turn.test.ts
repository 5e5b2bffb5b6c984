import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { replay } from '../clients/replay.js';
import type { ServerEvent } from '../proto/messages.js';
import { buildCall } from './support/call-builder.js';
import { loadLibriVox } from './support/librivox.js';
import { startTestServer } from './support/test-server.js';
import { wordErrorRate } from '../clients/wer.js';

const GAP_MS = 1500;

describe('a multi-turn call over a real WebSocket', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const utterances = loadLibriVox();
  const call = buildCall(
    utterances.map((u) => u.samples),
    GAP_MS,
  );
  let events: ServerEvent[];
  let finals: string[];
  let closeCode: number;

  beforeAll(async () => {
    server = await startTestServer();
    const result = await replay(
      { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: encodeSamples(call.samples, 'pcm_s16le') },
      // Twice real time: fast, yet slow enough for partials (as fast as possible sheds them).
      { url: server.url, speed: 2, chunkMs: 40 },
    );
    events = result.events;
    finals = result.turns.map((t) => t.text);
    closeCode = result.closeCode;
  }, 120_000);

  afterAll(() => server?.close());

  it('opens with session.started, closes with session.ended and code 1000', () => {
    expect(events[0]?.type).toBe('session.started');
    expect(events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'stop' });
    expect(closeCode).toBe(1000);
  });

  it('gives exactly one turn.end per utterance, with turn ids 1..5', () => {
    const ends = events.filter((e) => e.type === 'turn.end');
    expect(ends.map((e) => e.turn_id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('orders each turn: speech.started, partials, eager end, end', () => {
    const turnEvents = events.filter((e) => 'turn_id' in e) as Array<ServerEvent & { turn_id: number }>;
    for (let id = 1; id <= utterances.length; id++) {
      const kinds = turnEvents.filter((e) => e.turn_id === id).map((e) => e.type);
      expect(kinds[0]).toBe('speech.started');
      expect(kinds).toContain('transcript.partial');
      const end = kinds.indexOf('turn.end');
      expect(end).toBeGreaterThan(kinds.lastIndexOf('turn.eager_end'));
      expect(kinds.lastIndexOf('turn.eager_end')).toBeGreaterThan(0);
      expect(kinds.slice(end + 1).every((k) => k === 'transcript.corrected')).toBe(true);
    }
    const firstOfTurn = (id: number) => turnEvents.findIndex((e) => e.turn_id === id);
    const endOfTurn = (id: number) => turnEvents.findIndex((e) => e.turn_id === id && e.type === 'turn.end');
    for (let id = 2; id <= utterances.length; id++) expect(endOfTurn(id - 1)).toBeLessThan(firstOfTurn(id));
  });

  it('places speech start and end on the utterances of the call', () => {
    const started = events.filter((e) => e.type === 'speech.started');
    const ends = events.filter((e) => e.type === 'turn.end');
    call.placed.forEach((placed, i) => {
      expect(started[i]!.at_ms).toBeGreaterThanOrEqual(placed.startMs - 100);
      expect(started[i]!.at_ms).toBeLessThan(placed.endMs);
      expect(ends[i]!.speech_end_ms).toBeGreaterThan(placed.startMs);
      expect(ends[i]!.speech_end_ms).toBeLessThanOrEqual(placed.endMs + 300);
    });
  });

  it('keeps revisions increasing and stable words stable through the turn end', () => {
    const partials = events.filter((e) => e.type === 'transcript.partial');
    for (let id = 1; id <= utterances.length; id++) {
      const turn = partials.filter((p) => p.turn_id === id);
      for (let i = 1; i < turn.length; i++) {
        expect(turn[i]!.revision).toBeGreaterThan(turn[i - 1]!.revision);
        const stable = turn[i - 1]!.text.split(' ').slice(0, turn[i - 1]!.stable_words);
        expect(turn[i]!.text.split(' ').slice(0, stable.length)).toEqual(stable);
      }
      // turn.end keeps them too: only transcript.corrected may change a stable word.
      const last = turn.at(-1);
      const end = events.find((e) => e.type === 'turn.end' && e.turn_id === id) as { text: string } | undefined;
      if (last) expect(end!.text.split(' ').slice(0, last.stable_words)).toEqual(last.text.split(' ').slice(0, last.stable_words));
    }
  });

  it('transcribes the call with a WER of at most 0.45', () => {
    const wer = wordErrorRate(utterances.map((u) => u.transcript).join(' '), finals.join(' '));
    expect(wer).toBeLessThanOrEqual(0.45);
  });
});
