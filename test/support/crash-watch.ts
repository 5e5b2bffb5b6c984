/**
 * Records uncaught exceptions and unhandled rejections of this process while it is open. A
 * server started in-process (startTestServer) shares the test's process: what would end a real
 * server process lands here instead, and a test can pin it on the input that caused it
 * (vitest alone reports it only after the run, against no input).
 */
export class CrashWatch {
  readonly crashes: unknown[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly record = (error: unknown) => {
    this.crashes.push(error);
    this.waiters.forEach((wake) => wake());
  };

  constructor() {
    process.on('uncaughtException', this.record);
    process.on('unhandledRejection', this.record);
  }

  /** The crashes recorded after the first `count` (pass `crashes.length` from before the action), as text. */
  since(count: number): string[] {
    return this.crashes.slice(count).map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
  }

  /**
   * `work`'s result, or 'crashed' as soon as a crash is recorded while it runs: a handler that
   * threw may leave its connection open, so waiting for the answer alone would stall.
   */
  async orCrash<T>(work: Promise<T>): Promise<T | 'crashed'> {
    let wake = () => {};
    const crashed = new Promise<'crashed'>((resolve) => (wake = () => resolve('crashed')));
    this.waiters.add(wake);
    try {
      return await Promise.race([work, crashed]);
    } finally {
      this.waiters.delete(wake);
    }
  }

  close(): void {
    process.off('uncaughtException', this.record);
    process.off('unhandledRejection', this.record);
  }
}
