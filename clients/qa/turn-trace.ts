import type { ChannelEvent, TranscriptPartialEvent, TurnEagerEndEvent, TurnEndEvent, WireWord } from '../../proto/messages.js';
import type { ReceivedEvent } from './call-recording.js';

/** An event and the client wall time it was received at. */
export interface Received<E> {
  event: E;
  at: number;
}

/** A word position of a turn as the partials showed it. */
export interface ShownWord {
  /** The first word shown at this position, and when its partial was received. */
  first: WireWord;
  firstAt: number;
  /** The word a partial showed here last. */
  last: string;
  /** A later partial or the final showed a different word here, or the final has no word here. */
  changed: boolean;
}

/** One turn of one channel as the client saw it: its events folded, receipt times kept. */
export interface TurnTrace {
  channel: number;
  turnId: number;
  speechStartMs: number | null;
  eagerEnds: number;
  resumed: number;
  /** The last `turn.eager_end` not followed by `turn.resumed`: the one an application acted on for good. */
  stoodEager: Received<TurnEagerEndEvent> | null;
  end: Received<TurnEndEvent> | null;
  corrections: number;
  /** The last `transcript.corrected` text, or null. */
  correctedText: string | null;
  /**
   * Every position a partial showed, keyed by its place in the turn (0 is the turn's first
   * word), in ascending order: a partial leaves out only leading words, which earlier partials
   * showed or none ever will.
   */
  shown: Map<number, ShownWord>;
}

/**
 * Folds a call's events into its turns, ordered by channel, then turn id. Partial `words` may
 * leave out the turn's leading words (`omitted_words`); positions count from the turn's first
 * word, so a windowed partial lines up with the earlier ones.
 */
export function traceTurns(events: readonly ReceivedEvent[]): TurnTrace[] {
  const turns = new Map<string, TurnTrace>();
  const turnOf = (event: ChannelEvent): TurnTrace => {
    const key = `${event.channel}:${event.turn_id}`;
    let turn = turns.get(key);
    if (!turn) {
      turn = { channel: event.channel, turnId: event.turn_id, speechStartMs: null, eagerEnds: 0, resumed: 0, stoodEager: null, end: null, corrections: 0, correctedText: null, shown: new Map() };
      turns.set(key, turn);
    }
    return turn;
  };
  for (const { event, at } of events) {
    switch (event.type) {
      case 'speech.started':
        turnOf(event).speechStartMs = event.at_ms;
        break;
      case 'transcript.partial':
        showPartial(turnOf(event), event, at);
        break;
      case 'turn.eager_end': {
        const turn = turnOf(event);
        turn.eagerEnds++;
        turn.stoodEager = { event, at };
        break;
      }
      case 'turn.resumed': {
        const turn = turnOf(event);
        turn.resumed++;
        turn.stoodEager = null;
        break;
      }
      case 'turn.end':
        turnOf(event).end = { event, at };
        break;
      case 'transcript.corrected': {
        const turn = turnOf(event);
        turn.corrections++;
        turn.correctedText = event.text;
        break;
      }
    }
  }
  const traces = [...turns.values()];
  for (const turn of traces) if (turn.end) compareWithFinal(turn.shown, turn.end.event.words);
  return traces.sort((a, b) => a.channel - b.channel || a.turnId - b.turnId);
}

function showPartial(turn: TurnTrace, event: TranscriptPartialEvent, at: number): void {
  const offset = event.omitted_words ?? 0;
  event.words.forEach((word, i) => {
    const shown = turn.shown.get(offset + i);
    if (!shown) {
      turn.shown.set(offset + i, { first: word, firstAt: at, last: word.word, changed: false });
    } else {
      if (shown.last !== word.word) shown.changed = true;
      shown.last = word.word;
    }
  });
}

/** The final is `turn.end`'s words: a later correction is counted as a correction, not as flicker. */
function compareWithFinal(shown: Map<number, ShownWord>, final: readonly WireWord[]): void {
  shown.forEach((word, position) => {
    if (final[position]?.word !== word.last) word.changed = true;
  });
}
