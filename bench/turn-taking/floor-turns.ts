import { unionOf, type Span } from './spans.js';

/** One speaker's speech: an energy region of their channel, or an RTTM segment. */
export interface SpeakerSpan extends Span {
  speaker: string;
}

/** Speech shorter than this, wholly under another speaker's speech, is a backchannel ("mm-hm"). */
export const BACKCHANNEL_MS = 1000;

/**
 * Turns by who holds the floor. A speaker's turn runs from their first speech after another
 * speaker took the floor to the end of their last speech that started before the next
 * speaker's start; same-speaker speech separated only by silence is one turn. Speech that
 * starts while another speaker still talks takes the floor when it is the next to start, so
 * the earlier speaker's turn ends when their overlapping speech stops. A backchannel takes
 * no floor and belongs to no turn. Turns of different speakers may overlap in time.
 */
export function floorTurns(spans: readonly SpeakerSpan[], backchannelMs = BACKCHANNEL_MS): SpeakerSpan[] {
  const floorTaking = spans.filter((s) => !(s.endMs - s.startMs < backchannelMs && coveredByOthers(s, spans)));
  const turns: SpeakerSpan[] = [];
  for (const s of [...floorTaking].sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs)) {
    const current = turns.at(-1);
    if (current?.speaker === s.speaker) current.endMs = Math.max(current.endMs, s.endMs);
    else turns.push({ ...s });
  }
  return turns;
}

/** Whether other speakers talk during all of `span`. */
function coveredByOthers(span: SpeakerSpan, spans: readonly SpeakerSpan[]): boolean {
  const others = unionOf(spans.filter((s) => s.speaker !== span.speaker));
  return others.some((o) => o.startMs <= span.startMs && o.endMs >= span.endMs);
}
