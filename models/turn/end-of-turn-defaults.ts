/**
 * Default thresholds of the end-of-turn model, chosen from the turn-taking benchmark's
 * held-out trade-off curve (docs/turn-taking.md, "Choosing the defaults"): the end threshold
 * with the fewest cut-offs whose turn ends come no later at the median than today's 800 ms
 * silence timer; the eager threshold that keeps eager ends at true ends as fast as the 64 ms
 * timer at the median and within 130 ms of silence at p95; `max_end_ms` so that a turn the
 * model doubts still ends within 1.2 s.
 */
export const END_OF_TURN_DEFAULTS = {
  eotThreshold: 0.85,
  eagerEotThreshold: 0.05,
  minEndMs: 160,
  maxEndMs: 1200,
} as const;
