/**
 * Candidates of every frame, slot 0 being "unvoiced" (f0 0). Slot s of frame f is at
 * f * slots + s; `count[f]` slots of frame f are used, the unvoiced one included.
 */
export interface PitchLattice {
  frames: number;
  slots: number;
  count: Uint8Array;
  f0Hz: Float64Array;
  /** Local score to maximize: higher is more likely. */
  score: Float64Array;
}

export interface PathCosts {
  /** Cost per octave of F0 change between consecutive voiced frames. */
  octaveJump: number;
  /** Cost of switching between voiced and unvoiced. */
  voicedUnvoiced: number;
}

/**
 * Viterbi search for the path through the lattice maximizing total score minus transition
 * costs (Praat's path finder). This is what keeps octave errors out: a lone frame whose
 * best local candidate is half or double its neighbours' pitch pays the jump twice, so the
 * path takes the continuous candidate, which in a periodic frame peaks nearly as high.
 * Returns the chosen slot of each frame.
 */
export function bestPitchPath(lattice: PitchLattice, costs: PathCosts): Uint8Array {
  const { frames, slots, count, f0Hz, score } = lattice;
  const chosen = new Uint8Array(frames);
  if (frames === 0) return chosen;
  const back = new Uint8Array(frames * slots);
  let previous = new Float64Array(slots);
  let current = new Float64Array(slots);
  for (let s = 0; s < count[0]!; s++) previous[s] = score[s]!;
  for (let f = 1; f < frames; f++) {
    const here = f * slots;
    const there = here - slots;
    for (let s = 0; s < count[f]!; s++) {
      const f0 = f0Hz[here + s]!;
      let best = -Infinity;
      let from = 0;
      for (let p = 0; p < count[f - 1]!; p++) {
        const g0 = f0Hz[there + p]!;
        let cost: number;
        if (f0 === 0 && g0 === 0) cost = 0;
        else if (f0 === 0 || g0 === 0) cost = costs.voicedUnvoiced;
        else cost = costs.octaveJump * Math.abs(Math.log2(f0 / g0));
        const total = previous[p]! - cost;
        if (total > best) {
          best = total;
          from = p;
        }
      }
      current[s] = best + score[here + s]!;
      back[here + s] = from;
    }
    [previous, current] = [current, previous];
  }
  let last = 0;
  for (let s = 1; s < count[frames - 1]!; s++) if (previous[s]! > previous[last]!) last = s;
  for (let f = frames - 1; f >= 0; f--) {
    chosen[f] = last;
    last = back[f * slots + last]!;
  }
  return chosen;
}
