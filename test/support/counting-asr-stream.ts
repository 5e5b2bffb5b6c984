import type { AsrHypothesis, AsrStream } from '../../models/asr/asr-engine.js';

export type AsrMethod = 'startUtterance' | 'accept' | 'endUtterance' | 'close';

export interface AsrCall {
  stream: string;
  method: AsrMethod;
  /** What an `accept` call was given; empty for the other methods. */
  samples: Float32Array;
}

/** A real recognizer stream, every call delegated, each one logged as it starts. */
export class CountingStream implements AsrStream {
  /** Settles when the last `accept` started so far settles. */
  lastAccept: Promise<unknown> = Promise.resolve();

  constructor(
    readonly inner: AsrStream,
    private readonly name: string,
    private readonly log: AsrCall[],
  ) {}

  calls(method: AsrMethod): AsrCall[] {
    return this.log.filter((c) => c.stream === this.name && c.method === method);
  }

  startUtterance(): Promise<void> {
    this.record('startUtterance');
    return this.inner.startUtterance();
  }

  accept(samples: Float32Array): Promise<AsrHypothesis> {
    this.record('accept', samples);
    const result = this.inner.accept(samples);
    this.lastAccept = result.catch(() => undefined);
    return result;
  }

  endUtterance(): Promise<AsrHypothesis> {
    this.record('endUtterance');
    return this.inner.endUtterance();
  }

  close(): void {
    this.record('close');
    this.inner.close();
  }

  private record(method: AsrMethod, samples: Float32Array = new Float32Array(0)): void {
    this.log.push({ stream: this.name, method, samples });
  }
}

/** Samples given to `accept` over `calls`. */
export const acceptedSamples = (calls: readonly AsrCall[]): number => calls.reduce((n, c) => n + c.samples.length, 0);
