import { polyphaseFilterFor } from './polyphase-filter.js';

/**
 * Pitch analysis needs the band below about 3 kHz only, so a short filter will do: 40 dB
 * from the new Nyquist on, passband to half of it. Everything between is inside the new
 * band and is merely attenuated, never aliased.
 */
const ATTENUATION_DB = 40;
const PASSBAND_RATIO = 0.5;

/**
 * Low-pass filters and keeps every `factor`-th sample: output m is the filtered input at
 * sample m * factor exactly (the kernel is centred), so times carry over by multiplying.
 * Samples beyond either end count as zero. A factor of 1 returns the input itself.
 */
export function decimate(samples: Float32Array, sampleRate: number, factor: number): Float32Array {
  if (factor === 1) return samples;
  const { taps, coefficients } = polyphaseFilterFor({
    inputRate: sampleRate,
    outputRate: sampleRate / factor,
    attenuationDb: ATTENUATION_DB,
    passbandRatio: PASSBAND_RATIO,
    phases: 1,
  });
  // Row 0 puts the output instant on tap `taps / 2 - 1`.
  const lead = taps / 2 - 1;
  const out = new Float32Array(Math.ceil(samples.length / factor));
  const n = samples.length;
  for (let m = 0; m < out.length; m++) {
    const first = m * factor - lead;
    let sum = 0;
    if (first >= 0 && first + taps <= n) {
      for (let j = 0; j < taps; j++) sum += coefficients[j]! * samples[first + j]!;
    } else {
      for (let j = 0; j < taps; j++) {
        const at = first + j;
        if (at >= 0 && at < n) sum += coefficients[j]! * samples[at]!;
      }
    }
    out[m] = sum;
  }
  return out;
}
