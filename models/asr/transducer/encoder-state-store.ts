import { gatherStates, initialState, scatterStates, type StateData, type StateSpec } from './state-layout.js';

/**
 * Every stream's carried encoder states. A batch's new states stay stacked as the encoder
 * returned them, and are fed back as they are when the next batch has the same streams in
 * the same order (the steady state of a loaded server): copying every state tensor out of
 * a batch and back in (about 1 MB per stream per chunk for a 20M model) would cost more than
 * a sixth of the worker's time. They are split per stream only when the batch changes.
 */
export class EncoderStateStore {
  private readonly open = new Set<number>();
  /** States of streams not in the stacked batch (new, reset, or split out of it). */
  private readonly own = new Map<number, StateData[]>();
  private stacked: { streams: number[]; states: StateData[] } | null = null;

  constructor(private readonly specs: readonly StateSpec[]) {}

  has(stream: number): boolean {
    return this.open.has(stream);
  }

  get size(): number {
    return this.open.size;
  }

  /** Zero states: a new stream, or a new utterance of one (a stacked copy is then stale). */
  reset(stream: number): void {
    this.open.add(stream);
    this.own.set(stream, this.specs.map(initialState));
  }

  delete(stream: number): void {
    this.open.delete(stream);
    this.own.delete(stream);
  }

  clear(): void {
    this.open.clear();
    this.own.clear();
    this.stacked = null;
  }

  /** The encoder's state inputs for a batch of open `streams`, in order, one per spec. */
  batchInputs(streams: readonly number[]): StateData[] {
    const stacked = this.stacked;
    if (stacked && sameStreams(stacked.streams, streams) && streams.every((s) => !this.own.has(s))) return stacked.states;
    this.unstack();
    return this.specs.map((spec, i) => gatherStates(spec, streams.map((s) => this.own.get(s)![i]!)));
  }

  /** The encoder's new states for the batch `streams` (one per spec): kept stacked. */
  store(streams: readonly number[], states: StateData[]): void {
    // The streams of this batch have new states: only the others need theirs split out.
    this.unstack(new Set(streams));
    this.stacked = { streams: [...streams], states };
    for (const stream of streams) this.own.delete(stream);
  }

  /** Splits the stacked batch into per-stream states, for the streams still open, not reset since and not superseded. */
  private unstack(superseded: ReadonlySet<number> = new Set()): void {
    const stacked = this.stacked;
    if (!stacked) return;
    this.stacked = null;
    if (stacked.streams.every((stream) => superseded.has(stream) || !this.open.has(stream) || this.own.has(stream))) return;
    const n = stacked.streams.length;
    const slices = this.specs.map((spec, i) => scatterStates(spec, stacked.states[i]!, n));
    stacked.streams.forEach((stream, s) => {
      if (this.open.has(stream) && !this.own.has(stream) && !superseded.has(stream)) this.own.set(stream, slices.map((perStream) => perStream[s]!));
    });
  }
}

function sameStreams(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((stream, i) => stream === b[i]);
}
