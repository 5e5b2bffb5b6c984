import type { PauseTrajectory } from './threshold-curve.js';

/** How well the model's probability tells true ends from pauses within turns, at one silence. */
export interface Separability {
  silenceMs: number;
  /** Pauses that lasted this long: only they can be told apart here. */
  trueEnds: number;
  insideTurn: number;
  /**
   * Area under the ROC curve: the chance that a true end, picked at random, has a higher
   * probability than a pause within a turn (ties count half). 0.5 is chance, 1 perfect.
   */
  auc: number | null;
}

/** The probability at the first chunk with at least `silenceMs` of silence; undefined if speech came back first. */
function probabilityAt(pause: PauseTrajectory, silenceMs: number): number | undefined {
  return pause.trajectory.find((p) => p.silenceMs >= silenceMs)?.probability;
}

/**
 * No threshold can do better than the order of the probabilities allows: a detector that
 * ends nearly every true end at `silenceMs` while cutting off few of the pauses that last as
 * long needs an area near 1.
 */
export function separability(pauses: readonly PauseTrajectory[], silences: readonly number[]): Separability[] {
  return silences.map((silenceMs) => {
    const ends: number[] = [];
    const inside: number[] = [];
    for (const pause of pauses) {
      const probability = probabilityAt(pause, silenceMs);
      if (probability !== undefined) (pause.insideTurn ? inside : ends).push(probability);
    }
    let wins = 0;
    for (const end of ends) for (const pause of inside) wins += end > pause ? 1 : end === pause ? 0.5 : 0;
    const pairs = ends.length * inside.length;
    return { silenceMs, trueEnds: ends.length, insideTurn: inside.length, auc: pairs > 0 ? wins / pairs : null };
  });
}
