import { describe, expect, it } from 'vitest';
import { greedySearch, initialSearchState, type TransducerHeads } from './greedy-search.js';

const VOCAB = 6;
const UNK = 5;

/**
 * Heads whose joiner picks, for each stream, the token written in the encoder frame's first
 * value (blank when it equals the stream's last token: one emission per symbol change), and
 * whose decoder output is the context itself: enough to see what the search feeds them.
 */
function recordingHeads(): TransducerHeads & { decoderRuns: BigInt64Array[] } {
  const decoderRuns: BigInt64Array[] = [];
  return {
    contextSize: 2,
    vocabSize: VOCAB,
    joinerDim: 2,
    decoderRuns,
    decode: async (contexts, n) => {
      decoderRuns.push(contexts.slice());
      return Float32Array.from({ length: n * 2 }, (_, i) => Number(contexts[i]!));
    },
    join: async (frames, decoderOut, n) => {
      const logits = new Float32Array(n * VOCAB);
      for (let s = 0; s < n; s++) {
        const wanted = frames[s * 2]!;
        logits[s * VOCAB + (wanted === decoderOut[s * 2 + 1] ? 0 : wanted)] = 1;
      }
      return logits;
    },
  };
}

/** Encoder output (N, frames, 2) whose frames ask for these tokens. */
function encoderOut(perStream: number[][]): Float32Array {
  return Float32Array.from(perStream.flatMap((tokens) => tokens.flatMap((t) => [t, 0])));
}

describe('greedy search', () => {
  it('starts from the context [-1, blank], emits at most one symbol per frame, and carries frames and context across steps', async () => {
    const heads = recordingHeads();
    const states = [initialSearchState(2), initialSearchState(2)];
    const first = await greedySearch(heads, encoderOut([[3, 3, 0, 4], [0, 0, 2, 2]]), 4, states, UNK);
    expect(heads.decoderRuns[0]).toEqual(BigInt64Array.from([-1n, 0n, -1n, 0n]));
    expect(first).toEqual([
      { tokens: [3, 4], frames: [0, 3] },
      { tokens: [2], frames: [2] },
    ]);
    expect(states.map((s) => s.context)).toEqual([
      [3, 4],
      [0, 2],
    ]);
    // The decoder ran once at the start and once per frame with an emission (0, 2, 3), for the whole batch.
    expect(heads.decoderRuns).toHaveLength(4);
    const second = await greedySearch(heads, encoderOut([[1, 0], [2, 1]]), 2, states, UNK);
    expect(second).toEqual([
      { tokens: [1], frames: [4] },
      { tokens: [1], frames: [5] },
    ]);
    // Each stream's decoder output was kept from the step before: no decoder run to start this one.
    expect(heads.decoderRuns).toHaveLength(6);
  });

  it('takes <unk> as blank: never emitted, the context unchanged', async () => {
    const heads = recordingHeads();
    const state = initialSearchState(2);
    const out = await greedySearch(heads, encoderOut([[UNK, 2, UNK]]), 3, [state], UNK);
    expect(out).toEqual([{ tokens: [2], frames: [1] }]);
    expect(state.context).toEqual([0, 2]);
  });
});
