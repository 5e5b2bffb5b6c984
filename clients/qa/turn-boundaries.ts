/** A turn of the manifest's ground truth: where its speech starts and ends, ms of audio. */
export interface TurnSpan {
  start_ms: number;
  end_ms: number;
}

/** A `turn.end` within this of a true end is at that end (as the turn-taking benchmark places ends). */
export const TURN_END_TOLERANCE_MS = 300;

export interface TurnMatch {
  /** True turns whose end a `turn.end` found (each true end, and each `turn.end`, counted once). */
  matched: number;
  /** `turn.end` inside a true turn, before its end: the speaker was cut off. */
  cutOffs: number;
}

/**
 * Matches a channel's `turn.end` speech ends against the manifest's turn boundaries: an end
 * within `TURN_END_TOLERANCE_MS` of a true end finds it (the nearest unmatched one); one that
 * falls inside a true turn short of that is a cut-off; any other (noise, outside every turn)
 * is neither.
 */
export function matchTurnEnds(spans: readonly TurnSpan[], speechEndsMs: readonly number[]): TurnMatch {
  const found = new Set<number>();
  let cutOffs = 0;
  for (const endMs of speechEndsMs) {
    let nearest = -1;
    spans.forEach((span, i) => {
      const distance = Math.abs(span.end_ms - endMs);
      if (found.has(i) || distance > TURN_END_TOLERANCE_MS) return;
      if (nearest < 0 || distance < Math.abs(spans[nearest]!.end_ms - endMs)) nearest = i;
    });
    if (nearest >= 0) found.add(nearest);
    else if (spans.some((span) => span.start_ms <= endMs && endMs < span.end_ms - TURN_END_TOLERANCE_MS)) cutOffs++;
  }
  return { matched: found.size, cutOffs };
}

/** Whether `value` is a list of turns in order: `[start_ms, end_ms]` pairs, each start before its end, none overlapping. */
export function isTurnSpanList(value: unknown): value is Array<[number, number]> {
  if (!Array.isArray(value)) return false;
  let previousEnd = 0;
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2) return false;
    const [start, end] = pair as unknown[];
    if (typeof start !== 'number' || typeof end !== 'number' || !Number.isFinite(start) || !Number.isFinite(end)) return false;
    if (start < previousEnd || end <= start) return false;
    previousEnd = end;
  }
  return true;
}
