/** Hann window of `length` points, zero just outside both ends rather than at them, so every point weighs. */
export function hannWindow(length: number): Float64Array {
  const window = new Float64Array(length);
  for (let i = 0; i < length; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / length);
  return window;
}

/**
 * Mean power of samples[start, start + window.length) once its own mean is removed,
 * weighted by `window`: comparable between frames of different rates when their windows
 * span the same time.
 */
export function windowedPower(samples: Float32Array, start: number, window: Float64Array): number {
  const n = window.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += samples[start + i]!;
  mean /= n;
  let power = 0;
  let weight = 0;
  for (let i = 0; i < n; i++) {
    const w = window[i]!;
    const v = (samples[start + i]! - mean) * w;
    power += v * v;
    weight += w * w;
  }
  return power / weight;
}
