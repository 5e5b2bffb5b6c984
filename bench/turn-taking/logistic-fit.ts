/** A fitted logistic regression: P(y = 1 | x) = sigmoid(bias + weights . x). */
export interface LogisticFit {
  bias: number;
  weights: number[];
  /** Mean log loss on the training data. */
  logLoss: number;
  iterations: number;
}

export interface LogisticFitOptions {
  /** L2 penalty on the weights (not the bias), as in ridge regression. */
  l2: number;
  /** Per-sample weights (e.g. to balance classes); default 1 each. */
  sampleWeights?: readonly number[];
  maxIterations?: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * Newton's method (iteratively reweighted least squares) on the penalized log likelihood:
 * a handful of iterations for a few dozen features, exact and deterministic, no learning rate.
 */
export function fitLogistic(x: readonly Float64Array[], y: readonly number[], options: LogisticFitOptions): LogisticFit {
  const n = x.length;
  if (n === 0 || n !== y.length) throw new Error(`fitLogistic: ${n} samples and ${y.length} labels`);
  const d = x[0]!.length + 1;
  const beta = new Float64Array(d);
  const row = (i: number, j: number): number => (j === 0 ? 1 : x[i]![j - 1]!);
  const weightOf = (i: number): number => options.sampleWeights?.[i] ?? 1;
  let iterations = 0;
  for (; iterations < (options.maxIterations ?? 50); iterations++) {
    const gradient = new Float64Array(d);
    const hessian = Array.from({ length: d }, () => new Float64Array(d));
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += beta[j]! * row(i, j);
      const p = sigmoid(z);
      const w = weightOf(i);
      const r = w * (p - y[i]!);
      const h = w * p * (1 - p);
      for (let j = 0; j < d; j++) {
        const xj = row(i, j);
        gradient[j] += r * xj;
        for (let k = j; k < d; k++) hessian[j]![k] += h * xj * row(i, k);
      }
    }
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < j; k++) hessian[j]![k] = hessian[k]![j]!;
      if (j > 0) {
        gradient[j] += options.l2 * beta[j]!;
        hessian[j]![j] += options.l2;
      }
    }
    const step = solve(hessian, gradient);
    let largest = 0;
    for (let j = 0; j < d; j++) {
      beta[j] -= step[j]!;
      largest = Math.max(largest, Math.abs(step[j]!));
    }
    if (largest < 1e-8) break;
  }
  let loss = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) z += beta[j]! * row(i, j);
    const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(z)));
    loss -= weightOf(i) * (y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p));
    total += weightOf(i);
  }
  return { bias: beta[0]!, weights: Array.from(beta.subarray(1)), logLoss: loss / total, iterations: iterations + 1 };
}

/** Solves A s = b by Gaussian elimination with partial pivoting (A is small and positive definite). */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const d = b.length;
  const m = a.map((r, i) => Float64Array.from([...r, b[i]!]));
  for (let c = 0; c < d; c++) {
    let pivot = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const p = m[c]![c]!;
    if (Math.abs(p) < 1e-12) throw new Error('fitLogistic: singular system (a constant feature without L2?)');
    for (let r = c + 1; r < d; r++) {
      const f = m[r]![c]! / p;
      for (let k = c; k <= d; k++) m[r]![k] -= f * m[c]![k]!;
    }
  }
  const s = new Float64Array(d);
  for (let r = d - 1; r >= 0; r--) {
    let v = m[r]![d]!;
    for (let k = r + 1; k < d; k++) v -= m[r]![k]! * s[k]!;
    s[r] = v / m[r]![r]!;
  }
  return s;
}
