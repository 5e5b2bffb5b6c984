/**
 * Windowed-sinc (Kaiser) polyphase filter banks for the streaming resampler.
 * Banks are immutable and shared by every resampler with the same rates and options.
 */

export interface PolyphaseFilter {
  /** Coefficients per row (a multiple of 4); an output reads this many consecutive input samples. */
  readonly taps: number;
  /** Fractional positions tabulated; there are `phases + 1` rows so interpolation has a right neighbour. */
  readonly phases: number;
  /**
   * Row p (at p * taps) holds the kernel for an output lying p / phases of an input sample
   * after the input sample `taps / 2 - 1` into the window; each row sums to 1 (unity DC gain).
   */
  readonly coefficients: Float64Array;
}

export interface FilterDesign {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly attenuationDb: number;
  /** Passband edge as a fraction of the lower Nyquist frequency; the stopband starts at that Nyquist. */
  readonly passbandRatio: number;
  readonly phases: number;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for Kaiser betas). */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > sum * 1e-16; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

/** Kaiser's empirical beta for a given stopband attenuation. */
function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

export function designPolyphaseFilter(d: FilterDesign): PolyphaseFilter {
  const nyquist = Math.min(d.inputRate, d.outputRate) / 2;
  const passEdge = nyquist * d.passbandRatio;
  // Cutoff midway through the transition band, in cycles per input sample.
  const cutoff = (passEdge + nyquist) / 2 / d.inputRate;
  const transition = (2 * Math.PI * (nyquist - passEdge)) / d.inputRate;
  const length = (d.attenuationDb - 7.95) / (2.285 * transition) + 1;
  // A multiple of 4 for the resampler's unrolled dot product.
  const taps = Math.max(4, 4 * Math.ceil(length / 4));
  const half = taps / 2;
  const beta = kaiserBeta(d.attenuationDb);
  const i0Beta = besselI0(beta);
  const coefficients = new Float64Array((d.phases + 1) * taps);
  const row = new Float64Array(taps);
  for (let p = 0; p <= d.phases; p++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      // Distance in input samples from the output instant back to tap j.
      const tau = p / d.phases + half - 1 - j;
      const x = 2 * cutoff * tau;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = tau / half;
      const window = r * r >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
      row[j] = 2 * cutoff * sinc * window;
      sum += row[j]!;
    }
    for (let j = 0; j < taps; j++) coefficients[p * taps + j] = row[j]! / sum;
  }
  return { taps, phases: d.phases, coefficients };
}

/** Bounded so that clients choosing many exotic rates cannot grow memory without limit. */
const CACHE_LIMIT = 16;
const cache = new Map<string, PolyphaseFilter>();

/** The shared bank for a design, designed on first use. */
export function polyphaseFilterFor(d: FilterDesign): PolyphaseFilter {
  const key = `${d.inputRate}:${d.outputRate}:${d.attenuationDb}:${d.passbandRatio}:${d.phases}`;
  let filter = cache.get(key);
  if (filter === undefined) {
    filter = designPolyphaseFilter(d);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, filter);
  }
  return filter;
}
