/**
 * PocketSphinx search settings Parley serves with. Measured on the LibriVox set of
 * pocketsphinx-testdata (docs/benchmarks.md): tighter pruning and phone lookahead cut the
 * first pass from 0.32 to 0.24 x real time with the same words, and skipping the fwdflat
 * pass makes the end-of-utterance pass 12 times cheaper (bestpath then runs on the first
 * pass's lattice) while its WER went from 0.310 to 0.296.
 */
export const SERVING_SEARCH_ARGS: readonly string[] = ['-maxhmmpf', '3000', '-maxwpf', '10', '-pl_window', '5', '-fwdflat', 'no'];
