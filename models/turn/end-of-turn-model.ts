import { featureVector, FEATURE_NAMES, type EndOfTurnInput } from './end-of-turn-features.js';
import { FITTED_END_OF_TURN_WEIGHTS } from './end-of-turn-weights.js';

/** A logistic regression over `FEATURE_NAMES`, as the fitting script writes it. */
export interface EndOfTurnWeights {
  features: readonly string[];
  bias: number;
  weights: readonly number[];
}

/**
 * The probability that a turn is over, from a pause's silence, prosody and words
 * (docs/turn-taking.md): a logistic regression fitted offline on the corpus
 * (`npm run fit:end-of-turn`). A dot product: it costs nothing next to the models.
 */
export class EndOfTurnModel {
  private readonly weights: Float64Array;
  private readonly bias: number;

  constructor(weights: EndOfTurnWeights = FITTED_END_OF_TURN_WEIGHTS) {
    const expected = FEATURE_NAMES.join(',');
    if (weights.features.join(',') !== expected || weights.weights.length !== FEATURE_NAMES.length) {
      throw new Error(`end-of-turn weights are for features [${weights.features.join(', ')}], the model computes [${expected}]: fit again`);
    }
    this.weights = Float64Array.from(weights.weights);
    this.bias = weights.bias;
  }

  probability(input: EndOfTurnInput): number {
    const x = featureVector(input);
    let z = this.bias;
    for (let i = 0; i < x.length; i++) z += this.weights[i]! * x[i]!;
    return 1 / (1 + Math.exp(-z));
  }
}
