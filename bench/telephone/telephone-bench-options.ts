/** The `--telephone` mode's options, spread into the bench entry's parseArgs (bench/turn-latency/main.ts). */
export const TELEPHONE_BENCH_ARGS = {
  /** Telephone accuracy: Parley vs PocketSphinx alone on 8 kHz mu-law calls (bench/telephone/). */
  telephone: { type: 'boolean', default: false },
  /** Replay pace of the telephone calls (1 is real time); the finals do not depend on it. */
  'telephone-speed': { type: 'string', default: '4' },
} as const;

export interface TelephoneBenchValues {
  telephone?: boolean;
  'telephone-speed'?: string;
}
