/** A stretch of one channel's audio, in ms from the start of the call. */
export interface Span {
  startMs: number;
  endMs: number;
}

/** Joins spans whose gap is shorter than `gapMs` (0: overlapping or touching spans only); sorted by start. */
export function bridgeGaps(spans: readonly Span[], gapMs: number): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const last = out.at(-1);
    const gap = last ? s.startMs - last.endMs : Infinity;
    if (last && (gap <= 0 || gap < gapMs)) last.endMs = Math.max(last.endMs, s.endMs);
    else out.push({ startMs: s.startMs, endMs: s.endMs });
  }
  return out;
}

/** The time covered by at least one span, as disjoint spans sorted by start. */
export function unionOf(spans: readonly Span[]): Span[] {
  return bridgeGaps(spans, 0);
}

export function totalMs(spans: readonly Span[]): number {
  return unionOf(spans).reduce((sum, s) => sum + s.endMs - s.startMs, 0);
}
