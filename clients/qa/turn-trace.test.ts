import { describe, expect, it } from 'vitest';
import type { ChannelEvent, TranscriptPartialEvent } from '../../proto/messages.js';
import type { ReceivedEvent } from './call-recording.js';
import { traceTurns } from './turn-trace.js';

const at = (t: number, event: ChannelEvent): ReceivedEvent => ({ at: t, event });
const partial = (turnId: number, revision: number, words: string[], omitted = 0): TranscriptPartialEvent => ({
  type: 'transcript.partial',
  channel: 0,
  turn_id: turnId,
  revision,
  text: words.join(' '),
  stable_words: 0,
  words: words.map((word, i) => ({ word, start_ms: (omitted + i) * 100, end_ms: (omitted + i) * 100 + 90 })),
  omitted_words: omitted,
});
const changedFlags = (events: ReceivedEvent[]): boolean[] => [...traceTurns(events)[0]!.shown.values()].map((w) => w.changed);

describe('traceTurns', () => {
  it('orders turns by channel, then turn id, whatever order their events came in', () => {
    const turns = traceTurns([
      at(1, { type: 'speech.started', channel: 1, turn_id: 1, at_ms: 50 }),
      at(2, { type: 'speech.started', channel: 0, turn_id: 2, at_ms: 900 }),
      at(3, { type: 'speech.started', channel: 0, turn_id: 1, at_ms: 100 }),
    ]);
    expect(turns.map((t) => [t.channel, t.turnId, t.speechStartMs])).toEqual([
      [0, 1, 100],
      [0, 2, 900],
      [1, 1, 50],
    ]);
  });

  it('keeps the last eager end that no resume took back', () => {
    const eager = (t: number, speechEndMs: number): ReceivedEvent =>
      at(t, { type: 'turn.eager_end', channel: 0, turn_id: 1, text: 'x', speech_end_ms: speechEndMs, latency_ms: 10 });
    const resumed = (t: number): ReceivedEvent => at(t, { type: 'turn.resumed', channel: 0, turn_id: 1 });
    const [twice] = traceTurns([eager(10, 100), resumed(20), eager(30, 300)]);
    expect([twice!.eagerEnds, twice!.resumed, twice!.stoodEager?.at, twice!.stoodEager?.event.speech_end_ms]).toEqual([2, 1, 30, 300]);
    const [takenBack] = traceTurns([eager(10, 100), resumed(20)]);
    expect(takenBack!.stoodEager).toBeNull();
  });

  it('counts a word as changed even when it changes back', () => {
    expect(changedFlags([at(1, partial(1, 1, ['a', 'cat'])), at(2, partial(1, 2, ['a', 'cap'])), at(3, partial(1, 3, ['a', 'cat']))])).toEqual([false, true]);
  });

  it('does not count words a shorter or windowed partial leaves out', () => {
    // The second partial leaves out "a", the third ends before "b": neither is a change while the turn is open.
    expect(changedFlags([at(1, partial(1, 1, ['a', 'b'])), at(2, partial(1, 2, ['b'], 1)), at(3, partial(1, 3, ['a']))])).toEqual([false, false]);
  });

  it('compares with the final words once the turn ends', () => {
    const events = [
      at(1, partial(1, 1, ['a', 'b', 'c'])),
      at(2, { type: 'turn.end', channel: 0, turn_id: 1, text: 'a x', words: [{ word: 'a', start_ms: 0, end_ms: 90 }, { word: 'x', start_ms: 100, end_ms: 190 }], speech_end_ms: 190, latency_ms: 5, reason: 'model' }),
    ];
    expect(changedFlags(events)).toEqual([false, true, true]);
  });

  it('keeps the last correction of a turn', () => {
    const corrected = (t: number, text: string): ReceivedEvent => at(t, { type: 'transcript.corrected', channel: 0, turn_id: 1, revision: t, text, previous_text: 'x' });
    const [turn] = traceTurns([corrected(5, 'first'), corrected(6, 'second')]);
    expect([turn!.corrections, turn!.correctedText]).toEqual([2, 'second']);
  });
});
