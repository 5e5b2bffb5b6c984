/**
 * Slope of the least-squares line through (x[i], y[i]) for i < count; 0 when the x values
 * do not spread (fewer than two distinct points). Arrays may be longer than `count`.
 */
export function leastSquaresSlope(x: ArrayLike<number>, y: ArrayLike<number>, count: number): number {
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < count; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= count;
  meanY /= count;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < count; i++) {
    const dx = x[i]! - meanX;
    sxy += dx * (y[i]! - meanY);
    sxx += dx * dx;
  }
  return sxx > 0 ? sxy / sxx : 0;
}
