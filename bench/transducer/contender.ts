/**
 * One way of decoding K streams on one core, as the capacity search drives it: audio goes in
 * piece by piece (where the front end, fbank, runs), then every ready chunk is decoded. The
 * caller alternates the two strictly, so at any moment one thread works: the run's CPU time is
 * one core's work.
 */
export interface Contender {
  /** The row label, e.g. "parley batched". */
  readonly name: string;
  /** Threads started for its compute (Parley's engine worker); empty when it computes on the main thread. */
  readonly threads: ReadonlySet<number>;
  /** Opens `k` fresh streams, numbered 0 to k-1. */
  open(k: number): Promise<void>;
  /** Stream `stream`'s next piece of 16 kHz audio. */
  accept(stream: number, samples: Float32Array): void;
  /** Decodes every chunk that is ready, reporting each decode call's batch size and wall time. */
  decodeReady(onCall: (batch: number, ms: number) => void): Promise<void>;
  /** Tokens the open streams have emitted: greedy search's decoder work differs with them. */
  tokens(): number;
  /** Closes the open streams. */
  closeStreams(): void;
  /** Releases the model. Idempotent. */
  close(): Promise<void>;
}
