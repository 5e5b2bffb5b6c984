import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { concatSamples } from '../../audio/concat-samples.js';
import { decodeSamples, encodeSamples } from '../../audio/pcm-decoder.js';
import { readWav } from '../../audio/wav.js';
import { projectRoot } from '../../proto/project-root.js';
import { loadLibriVox, type Utterance } from '../../test/support/librivox.js';
import { buildBenchCall } from '../turn-latency/bench-calls.js';

const RATE = 16000;
const FRAME = 320; // 20 ms
/** Frames this far below the loudest are pauses, cut out of continuous speech. */
const PAUSE_FLOOR_DB = -30;
const TURNS_PER_CALL = 3;
/** Gaps longer than the default end_ms (800), so every turn ends by silence. */
const GAPS_MS = [1200, 1500, 1000, 1800];

/** A normal call: real speech in 16 kHz pcm_s16le and how many turns it holds. */
export interface SoakCall {
  pcm: Uint8Array;
  turns: number;
  ms: number;
}

/** The real speech the soak's clients send, all 16 kHz mono. */
export class SoakSpeech {
  private constructor(
    private readonly utterances: Utterance[],
    /** Every voiced 20 ms frame of every recording, pauses cut out. */
    private readonly voiced: Uint8Array,
  ) {}

  /** The LibriVox utterances of pocketsphinx-testdata, plus ../shared/corpus/monologues when present. */
  static load(): SoakSpeech {
    const utterances = loadLibriVox();
    const recordings = [...utterances.map((u) => u.samples), ...corpusMonologues()];
    return new SoakSpeech(utterances, encodeSamples(concatSamples(recordings.map(voicedFrames)), 'pcm_s16le'));
  }

  /** The k-th normal call: three LibriVox utterances between known gaps, so its turn.end count is known. */
  call(k: number): SoakCall {
    const order = Array.from({ length: TURNS_PER_CALL }, (_, i) => (k + i) % this.utterances.length);
    const call = buildBenchCall(this.utterances, order, GAPS_MS.map((_, i) => GAPS_MS[(k + i) % GAPS_MS.length]!));
    return { pcm: encodeSamples(call.samples, 'pcm_s16le'), turns: call.turns.length, ms: (call.samples.length * 1000) / RATE };
  }

  /** `ms` of speech without a pause in it (the voiced frames, looped): one turn that never ends by silence. */
  continuous(ms: number): Uint8Array {
    const bytes = Math.round((ms * RATE) / 1000) * 2;
    const out = new Uint8Array(bytes);
    for (let at = 0; at < bytes; at += this.voiced.length) out.set(this.voiced.subarray(0, bytes - at), at);
    return out;
  }
}

function voicedFrames(samples: Float32Array): Float32Array {
  const energies: number[] = [];
  for (let i = 0; i + FRAME <= samples.length; i += FRAME) {
    let sum = 0;
    for (let j = i; j < i + FRAME; j++) sum += samples[j]! * samples[j]!;
    energies.push(sum / FRAME);
  }
  const floor = Math.max(...energies) * 10 ** (PAUSE_FLOOR_DB / 10);
  return concatSamples(energies.flatMap((e, k) => (e >= floor ? [samples.subarray(k * FRAME, (k + 1) * FRAME)] : [])));
}

/** The corpus's 16 kHz mono monologues (design.md section 8), when this checkout has ../shared/corpus. */
function corpusMonologues(): Float32Array[] {
  const dir = join(projectRoot(), '..', 'shared', 'corpus', 'monologues');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.wav'))
    .map((name) => readWav(readFileSync(join(dir, name))))
    .filter((wav) => wav.sampleRate === RATE && wav.channels === 1)
    .map((wav) => decodeSamples(wav.data, wav.encoding, 1));
}
