import type { Utterance } from '../../test/support/librivox.js';

const RATE = 16000;
const FRAME = 160;

/** Where a turn's speech really is in the call: the benchmark's ground truth. */
export interface TruthTurn {
  transcript: string;
  startMs: number;
  /** End of speech (EoS), from how the call was built. */
  endMs: number;
}

export interface BenchCall {
  samples: Float32Array;
  turns: TruthTurn[];
}

/**
 * The speech span of a recording by frame energy: frames within `floorDb` of the loudest.
 * Independent of Parley's VAD, so it can serve as ground truth.
 */
export function speechSpan(samples: Float32Array, floorDb = -35): { start: number; end: number } {
  const energies: number[] = [];
  for (let i = 0; i + FRAME <= samples.length; i += FRAME) {
    let sum = 0;
    for (let j = i; j < i + FRAME; j++) sum += samples[j]! * samples[j]!;
    energies.push(sum / FRAME);
  }
  const threshold = Math.max(...energies) * 10 ** (floorDb / 10);
  const first = energies.findIndex((e) => e >= threshold);
  const last = energies.length - 1 - [...energies].reverse().findIndex((e) => e >= threshold);
  return { start: first * FRAME, end: (last + 1) * FRAME };
}

/** A multi-turn call: `order` picks utterances, each trimmed to its speech, between known gaps. */
export function buildBenchCall(utterances: Utterance[], order: number[], gapsMs: number[]): BenchCall {
  const pieces = order.map((i) => {
    const u = utterances[i]!;
    const span = speechSpan(u.samples);
    return { transcript: u.transcript, samples: u.samples.subarray(span.start, span.end) };
  });
  const gap = (k: number) => Math.round(((gapsMs[k % gapsMs.length] ?? 1000) * RATE) / 1000);
  let total = gap(0);
  pieces.forEach((p, k) => (total += p.samples.length + gap(k + 1)));
  const samples = new Float32Array(total);
  const turns: TruthTurn[] = [];
  let offset = gap(0);
  pieces.forEach((p, k) => {
    samples.set(p.samples, offset);
    turns.push({ transcript: p.transcript, startMs: (offset * 1000) / RATE, endMs: ((offset + p.samples.length) * 1000) / RATE });
    offset += p.samples.length + gap(k + 1);
  });
  return { samples, turns };
}
