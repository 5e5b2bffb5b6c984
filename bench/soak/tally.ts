import type { VisitOutcome } from './kinds/visit.js';

/** What one kind of client saw over the whole soak. */
export interface KindTally {
  visits: number;
  /** Sessions that ran to `session.ended` (normal calls). */
  served: number;
  turnEnds: number;
  /** turn.end events a normal call should get: its turns, from how it was built. */
  expectedTurns: number;
  /** `error` event codes (gRPC: `parley-error-code`), with counts. */
  errors: Record<string, number>;
  /** How connections ended: close codes, gRPC statuses, HTTP statuses, with counts. */
  ends: Record<string, number>;
  /** Visits that threw on the client side (could not connect, refused before starting), by message. */
  failures: Record<string, number>;
}

function count(into: Record<string, number>, keys: readonly string[]): void {
  for (const key of keys) into[key] = (into[key] ?? 0) + 1;
}

/** Per-kind totals of every visit's outcome. */
export class Tally {
  readonly kinds: Record<string, KindTally> = {};

  /** Waits for one visit and adds its outcome; never rejects. */
  async record(kind: string, visit: Promise<VisitOutcome>): Promise<void> {
    const tally = (this.kinds[kind] ??= { visits: 0, served: 0, turnEnds: 0, expectedTurns: 0, errors: {}, ends: {}, failures: {} });
    tally.visits++;
    try {
      const outcome = await visit;
      tally.served += outcome.served ?? 0;
      tally.turnEnds += outcome.turnEnds ?? 0;
      tally.expectedTurns += outcome.expectedTurns ?? 0;
      count(tally.errors, outcome.errors);
      count(tally.ends, outcome.ends);
    } catch (error) {
      count(tally.failures, [error instanceof Error ? error.message : String(error)]);
    }
  }
}
