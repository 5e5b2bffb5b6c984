/** What greedy search needs of the decoder and joiner, batched over the streams of one step. */
export interface TransducerHeads {
  contextSize: number;
  vocabSize: number;
  joinerDim: number;
  /** Decoder over each stream's last `contextSize` tokens: (N, contextSize) -> (N, joinerDim). */
  decode(contexts: BigInt64Array, n: number): Promise<Float32Array>;
  /** Joiner over one encoder frame per stream: (N, joinerDim) x2 -> (N, vocabSize). */
  join(encoderFrames: Float32Array, decoderOut: Float32Array, n: number): Promise<Float32Array>;
}

/** A stream's search state, carried from one step to the next. */
export interface SearchState {
  /** The last `contextSize` tokens; -1 pads the start, then the blank (as sherpa-onnx begins). */
  context: number[];
  /** The decoder's output for `context`; null until first computed. */
  decoderOut: Float32Array | null;
  /** Encoder frames searched so far: token frames count from the stream's start. */
  frameOffset: number;
}

export interface Emitted {
  tokens: number[];
  /** The encoder frame of each token, from the stream's start. */
  frames: number[];
}

const BLANK = 0;

export function initialSearchState(contextSize: number): SearchState {
  const context = new Array<number>(contextSize).fill(-1);
  context[contextSize - 1] = BLANK;
  return { context, decoderOut: null, frameOffset: 0 };
}

/**
 * Greedy search over one step's encoder output (N, frames, joinerDim), one symbol per frame
 * at most: the joiner's argmax (first of equal maxima) is emitted unless it is the blank or
 * `<unk>`, and the decoder then runs again for the whole batch. This is sherpa-onnx's greedy
 * search, so that tokens and frames match it exactly.
 */
export async function greedySearch(heads: TransducerHeads, encoderOut: Float32Array, frames: number, states: SearchState[], unkId: number | undefined): Promise<Emitted[]> {
  const n = states.length;
  const { joinerDim, vocabSize } = heads;
  let decoderOut = await decoderOutputs(heads, states);
  const emitted: Emitted[] = states.map(() => ({ tokens: [], frames: [] }));
  const frame = new Float32Array(n * joinerDim);
  for (let t = 0; t < frames; t++) {
    for (let s = 0; s < n; s++) frame.set(encoderOut.subarray((s * frames + t) * joinerDim, (s * frames + t + 1) * joinerDim), s * joinerDim);
    const logits = await heads.join(frame, decoderOut, n);
    let any = false;
    for (let s = 0; s < n; s++) {
      const y = argmax(logits, s * vocabSize, vocabSize);
      if (y === BLANK || y === unkId) continue;
      const state = states[s]!;
      emitted[s]!.tokens.push(y);
      emitted[s]!.frames.push(state.frameOffset + t);
      state.context.shift();
      state.context.push(y);
      any = true;
    }
    if (any) decoderOut = await heads.decode(contexts(states, heads.contextSize), n);
  }
  states.forEach((state, s) => {
    state.decoderOut = decoderOut.slice(s * joinerDim, (s + 1) * joinerDim);
    state.frameOffset += frames;
  });
  return emitted;
}

/** The batch's decoder output: each stream's cached one, the decoder run only when one is missing. */
async function decoderOutputs(heads: TransducerHeads, states: SearchState[]): Promise<Float32Array> {
  const { joinerDim } = heads;
  const computed = states.some((s) => s.decoderOut === null) ? await heads.decode(contexts(states, heads.contextSize), states.length) : null;
  const out = new Float32Array(states.length * joinerDim);
  states.forEach((state, s) => {
    out.set(state.decoderOut ?? computed!.subarray(s * joinerDim, (s + 1) * joinerDim), s * joinerDim);
  });
  return out;
}

function contexts(states: SearchState[], contextSize: number): BigInt64Array {
  const out = new BigInt64Array(states.length * contextSize);
  states.forEach((state, s) => state.context.forEach((token, i) => (out[s * contextSize + i] = BigInt(token))));
  return out;
}

function argmax(values: Float32Array, from: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[from + i]! > values[from + best]!) best = i;
  return best;
}
