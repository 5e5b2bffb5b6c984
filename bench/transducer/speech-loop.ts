import { loadLibriVox } from '../../test/support/librivox.js';

export const SAMPLE_RATE = 16000;
/** Spreads the streams' start offsets over the loop without ever repeating one (golden-ratio steps). */
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * Real speech for many streams at once: the five LibriVox utterances of pocketsphinx-testdata
 * end to end (24.7 s), looped. Each stream starts at its own offset into the loop, so no two
 * streams decode the same audio at the same time: batch-mates differ as they would between
 * calls, and their token counts (greedy search's decoder runs) vary as real speech does.
 */
export class SpeechLoop {
  /** The loop twice over: any piece up to the loop's length is a subarray, never a copy. */
  private readonly ring: Float32Array;
  readonly length: number;

  constructor() {
    const utterances = loadLibriVox();
    this.length = utterances.reduce((n, u) => n + u.samples.length, 0);
    this.ring = new Float32Array(this.length * 2);
    let at = 0;
    for (const u of [...utterances, ...utterances]) {
      this.ring.set(u.samples, at);
      at += u.samples.length;
    }
  }

  /** Stream `stream`'s samples [from, from + count) of its own timeline. */
  piece(stream: number, from: number, count: number): Float32Array {
    if (count > this.length) throw new Error(`a piece of ${count} samples is longer than the loop`);
    const start = (Math.floor(((stream * GOLDEN) % 1) * this.length) + from) % this.length;
    return this.ring.subarray(start, start + count);
  }
}
