/** The `--turn-taking` mode's options, spread into the bench entry's parseArgs (bench/turn-latency/main.ts). */
export const TURN_TAKING_BENCH_ARGS = {
  /** Turn-taking against ground truth: cut-offs, ends found, false eager ends, latency (bench/turn-taking/). */
  'turn-taking': { type: 'boolean', default: false },
  /** A detector to measure, as `NAME=<session config JSON>`; repeat to compare (the first is the baseline). */
  detector: { type: 'string', multiple: true },
  /** Most calls streamed at once, longest first (default 4); 1 for the one-session eager target. */
  'turn-concurrency': { type: 'string' },
  /** Offline instead: the threshold curve from a JSON array of pause trajectories (threshold-curve.ts). */
  'curve-pauses': { type: 'string' },
  'eot-thresholds': { type: 'string', default: '0.3,0.4,0.5,0.6,0.7,0.8,0.9' },
  'min-end-ms': { type: 'string', default: '0,96,192' },
  'max-end-ms': { type: 'string', default: '1200' },
  /** `end_ms` values of the silence-only detector's curve. */
  'silence-end-ms': { type: 'string', default: '256,400,512,640,800,1000,1200' },
} as const;

export interface TurnTakingBenchValues {
  'turn-taking'?: boolean;
  detector?: string[];
  'turn-concurrency'?: string;
  'curve-pauses'?: string;
  'eot-thresholds'?: string;
  'min-end-ms'?: string;
  'max-end-ms'?: string;
  'silence-end-ms'?: string;
}

/** A comma-separated list of numbers, each checked. */
export function numberList(name: string, raw: string, valid: (n: number) => boolean): number[] {
  return raw.split(',').map((s) => {
    const n = Number(s.trim());
    if (s.trim() === '' || !valid(n)) throw new Error(`--${name} takes a comma-separated list of valid numbers, got "${raw}"`);
    return n;
  });
}

export function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}
