import type { TransducerHeads } from './greedy-search.js';

/** One path of the beam: its tokens (after the context's -1/blank prefix), their frames and score. */
export interface BeamPath {
  /** The decoder's context prefix, then the emitted tokens. */
  ys: number[];
  frames: number[];
  logProb: number;
}

/** A stream's beam, carried from one step to the next. */
export interface BeamState {
  paths: BeamPath[];
  frameOffset: number;
  contextSize: number;
}

const BLANK = 0;

export function initialBeamState(contextSize: number): BeamState {
  const ys = new Array<number>(contextSize).fill(-1);
  ys[contextSize - 1] = BLANK;
  return { paths: [{ ys, frames: [], logProb: 0 }], frameOffset: 0, contextSize };
}

/**
 * sherpa-onnx's modified beam search over one step's encoder output (N, frames, joinerDim):
 * per frame, every path of every stream goes through the decoder and joiner in one batch,
 * each path's log-softmax is added to its score, and each stream keeps its `maxActivePaths`
 * best (path, token) extensions, at most one symbol per frame; extensions with the same
 * tokens merge (their probabilities add). Scores are kept in float32, as sherpa-onnx keeps
 * them, so that the same paths survive.
 */
export async function modifiedBeamSearch(heads: TransducerHeads, encoderOut: Float32Array, frames: number, states: BeamState[], unkId: number | undefined, maxActivePaths: number): Promise<void> {
  const { joinerDim, vocabSize, contextSize } = heads;
  for (let t = 0; t < frames; t++) {
    const pooled = states.flatMap((s) => s.paths);
    const contexts = new BigInt64Array(pooled.length * contextSize);
    pooled.forEach((path, p) => path.ys.slice(-contextSize).forEach((token, i) => (contexts[p * contextSize + i] = BigInt(token))));
    const decoderOut = await heads.decode(contexts, pooled.length);
    const encoderFrames = new Float32Array(pooled.length * joinerDim);
    let p = 0;
    states.forEach((state, s) => {
      const frame = encoderOut.subarray((s * frames + t) * joinerDim, (s * frames + t + 1) * joinerDim);
      for (let i = 0; i < state.paths.length; i++, p++) encoderFrames.set(frame, p * joinerDim);
    });
    const logits = await heads.join(encoderFrames, decoderOut, pooled.length);
    let row = 0;
    for (const state of states) {
      const count = state.paths.length;
      const scores = new Float32Array(count * vocabSize);
      for (let h = 0; h < count; h++) {
        logSoftmaxInto(logits, (row + h) * vocabSize, vocabSize, scores, h * vocabSize);
        const base = state.paths[h]!.logProb;
        for (let k = 0; k < vocabSize; k++) scores[h * vocabSize + k] = Math.fround(scores[h * vocabSize + k]! + base);
      }
      const next = new Map<string, BeamPath>();
      for (const index of topK(scores, maxActivePaths)) {
        const previous = state.paths[Math.floor(index / vocabSize)]!;
        const token = index % vocabSize;
        const extended: BeamPath =
          token === BLANK || token === unkId
            ? { ys: previous.ys, frames: previous.frames, logProb: scores[index]! }
            : { ys: [...previous.ys, token], frames: [...previous.frames, state.frameOffset + t], logProb: scores[index]! };
        const key = extended.ys.join(',');
        const same = next.get(key);
        if (same) same.logProb = logAdd(same.logProb, extended.logProb);
        else next.set(key, extended);
      }
      state.paths = [...next.values()];
      row += count;
    }
  }
  for (const state of states) state.frameOffset += frames;
}

/** The best path by score per token (ys counted with the context prefix, as sherpa-onnx does). */
export function bestPath(state: BeamState): { tokens: number[]; frames: number[] } {
  let best = state.paths[0]!;
  for (const path of state.paths) if (path.logProb / path.ys.length > best.logProb / best.ys.length) best = path;
  return { tokens: best.ys.slice(state.contextSize), frames: [...best.frames] };
}

function logSoftmaxInto(values: Float32Array, from: number, length: number, out: Float32Array, at: number): void {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, values[from + i]!);
  let sum = 0;
  for (let i = 0; i < length; i++) sum = Math.fround(sum + Math.fround(Math.exp(Math.fround(values[from + i]! - max))));
  const logSum = Math.fround(Math.log(sum));
  for (let i = 0; i < length; i++) out[at + i] = Math.fround(Math.fround(values[from + i]! - max) - logSum);
}

/** Indices of the `k` largest values, largest first (the lower index first among equals). */
function topK(values: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (best.length === k && values[i]! <= values[best[k - 1]!]!) continue;
    let at = best.length < k ? best.length : k - 1;
    best[at] = i;
    while (at > 0 && values[best[at]!]! > values[best[at - 1]!]!) {
      [best[at], best[at - 1]] = [best[at - 1]!, best[at]!];
      at--;
    }
  }
  return best;
}

function logAdd(a: number, b: number): number {
  const [high, low] = a >= b ? [a, b] : [b, a];
  return Math.fround(high + Math.log1p(Math.exp(low - high)));
}
