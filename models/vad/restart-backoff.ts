import { ParleyError } from '../../proto/errors.js';

/**
 * Waits between restarts of something that keeps failing: `initialMs`, then doubling up
 * to `maxMs`; back to `initialMs` once it works again. A crash loop then costs a few
 * restarts a second at first and one every `maxMs` after, never a busy loop.
 */
export class RestartBackoff {
  private nextMs: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    if (!Number.isFinite(initialMs) || initialMs <= 0) {
      throw new ParleyError('bad_config', `restartDelayMs must be > 0, got ${initialMs}`);
    }
    if (!Number.isFinite(maxMs) || maxMs < initialMs) {
      throw new ParleyError('bad_config', `maxRestartDelayMs must be >= restartDelayMs (${initialMs}), got ${maxMs}`);
    }
    this.nextMs = initialMs;
  }

  /** The wait before the next restart; each call doubles the one after. */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(delay * 2, this.maxMs);
    return delay;
  }

  /** It works again: the next failure restarts after `initialMs`. */
  reset(): void {
    this.nextMs = this.initialMs;
  }
}
