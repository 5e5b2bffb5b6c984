import { totalMs, unionOf, type Span } from './spans.js';

/**
 * A true end is one to find only if the channel then stays silent this long: a speaker change
 * with no gap in one channel's audio (a meeting's mixed microphone) is invisible to any
 * detector that listens for the end of speech, silence-based or prosodic.
 */
export const MIN_END_GAP_MS = 150;

/** `turn.end` (or an eager end) within this of a true end is at that end, not inside its turn. */
export const END_TOLERANCE_MS = 300;

/** A turn as the call was built or annotated: never from Parley's VAD. */
export interface TrueTurn extends Span {
  /** Where the channel's audio next carries speech after `endMs` (Infinity: never again). */
  nextSpeechMs: number;
  /** Its end is one to find: the channel is silent for `MIN_END_GAP_MS` after it. */
  scored: boolean;
}

/** One channel's ground truth: its true turns in order of start. */
export interface ChannelTruth {
  channel: number;
  turns: TrueTurn[];
}

/** Turns of one channel, given all speech its audio carries (every speaker of a mixed channel). */
export function trueTurns(turns: readonly Span[], channelSpeech: readonly Span[]): TrueTurn[] {
  const speech = unionOf(channelSpeech);
  return [...turns]
    .sort((a, b) => a.startMs - b.startMs)
    .map(({ startMs, endMs }) => {
      const nextSpeechMs = speechAtOrAfter(speech, endMs);
      return { startMs, endMs, nextSpeechMs, scored: nextSpeechMs - endMs >= MIN_END_GAP_MS };
    });
}

/** The first moment at or after `ms` with speech: `ms` itself if someone is talking then. */
function speechAtOrAfter(speech: readonly Span[], ms: number): number {
  const s = speech.find((x) => x.endMs > ms);
  return s === undefined ? Infinity : Math.max(s.startMs, ms);
}

/** Where a detector's end of speech falls against the truth. */
export type Placement =
  | { kind: 'end'; turn: TrueTurn }
  /** Before the end of a true turn: a turn ending here cuts the speaker off. */
  | { kind: 'inside'; turn: TrueTurn }
  /** In no true turn: noise, a backchannel, speech before the first turn. */
  | { kind: 'outside' };

/** Places a `speech_end_ms`: at the nearest true end within the tolerance, else inside a true turn, else outside. */
export function placeSpeechEnd(truth: ChannelTruth, speechEndMs: number, toleranceMs = END_TOLERANCE_MS): Placement {
  let nearest: TrueTurn | undefined;
  for (const t of truth.turns) {
    const d = Math.abs(t.endMs - speechEndMs);
    if (d <= toleranceMs && (!nearest || d < Math.abs(nearest.endMs - speechEndMs))) nearest = t;
  }
  if (nearest) return { kind: 'end', turn: nearest };
  const inside = truth.turns.find((t) => t.startMs <= speechEndMs && speechEndMs < t.endMs);
  return inside ? { kind: 'inside', turn: inside } : { kind: 'outside' };
}

/**
 * For the threshold curve: a pause that starts at `speechEndMs` is within a turn (true), a
 * true end to find (false), or counts for neither (undefined): the same placement as scoring.
 */
export function pauseInsideTurn(truth: ChannelTruth, speechEndMs: number): boolean | undefined {
  const place = placeSpeechEnd(truth, speechEndMs);
  if (place.kind === 'inside') return true;
  return place.kind === 'end' && place.turn.scored ? false : undefined;
}

/** Time inside true turns on this channel (overlapping turns of a mixed channel counted once). */
export function turnTimeMs(truth: ChannelTruth): number {
  return totalMs(truth.turns);
}
