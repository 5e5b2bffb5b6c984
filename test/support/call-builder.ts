export interface PlacedUtterance {
  /** Audio time of the utterance's first sample in the call, ms. */
  startMs: number;
  endMs: number;
}

export interface BuiltCall {
  samples: Float32Array;
  placed: PlacedUtterance[];
}

/**
 * Concatenates utterances with known silent gaps, so every turn boundary of the call is
 * known from how it was built, never from Parley's own VAD.
 */
export function buildCall(utterances: Float32Array[], gapMs: number, sampleRate = 16000): BuiltCall {
  const gap = Math.round((gapMs * sampleRate) / 1000);
  const total = utterances.reduce((n, u) => n + u.length + gap, gap);
  const samples = new Float32Array(total);
  const placed: PlacedUtterance[] = [];
  let offset = gap;
  for (const u of utterances) {
    samples.set(u, offset);
    placed.push({ startMs: (offset * 1000) / sampleRate, endMs: ((offset + u.length) * 1000) / sampleRate });
    offset += u.length + gap;
  }
  return { samples, placed };
}
