// Written by `npm run fit:end-of-turn` (bench/turn-taking/fit-end-of-turn.ts); do not edit.
import type { EndOfTurnWeights } from './end-of-turn-model.js';

export const FITTED_END_OF_TURN_WEIGHTS: EndOfTurnWeights = {
  features: ['log_silence', 'final_pitch_slope', 'final_pitch_level', 'energy_decay', 'final_lengthening', 'final_voicing', 'ends_on_continuation', 'ends_on_closing', 'opens_as_question', 'log_words', 'no_words_yet', 'log_turn', 'log_silence_x_continuation', 'log_silence_x_pitch_slope', 'log_resumed_pauses', 'silence_over_longest_resumed'],
  bias: -3.1427,
  weights: [1.6803, 0.5041, -0.7093, 0.4986, -0.326, 0.9012, -0.1566, -0.3033, -0.1004, 0.9673, -0.2133, -0.2194, 0.1645, -0.0087, -1.1569, 0.4387],
};
