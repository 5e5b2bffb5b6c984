/** A request waiting for a model batch. */
export interface QueuedRequest {
  /** One stream (a session channel): its requests run one at a time, in submission order. */
  key: string;
  /** Lower runs first: the scheduler's tier of the request's work class. */
  tier: number;
  /** Absolute, on `performance.now()`. */
  deadline: number;
  enqueuedAt: number;
  seq: number;
}

/**
 * The next batch (design.md section 5): the first-submitted request of each key is eligible
 * (per-stream order), keys are ranked by their most urgent waiting request (tier, then
 * deadline, then arrival; a turn's end queued behind a partial lifts it), and the best
 * `maxBatch` keys' heads form the batch. Pure, so that property tests can drive it.
 */
export function formBatch<T extends QueuedRequest>(queue: readonly T[], maxBatch: number): T[] {
  const lanes = new Map<string, { head: T; rank: [number, number, number] }>();
  for (const request of queue) {
    const rank: [number, number, number] = [request.tier, request.deadline, request.seq];
    const lane = lanes.get(request.key);
    if (!lane) lanes.set(request.key, { head: request, rank });
    else {
      if (request.seq < lane.head.seq) lane.head = request;
      if (ranksBefore(rank, lane.rank)) lane.rank = rank;
    }
  }
  return [...lanes.values()]
    .sort((a, b) => (ranksBefore(a.rank, b.rank) ? -1 : 1))
    .slice(0, maxBatch)
    .map((lane) => lane.head);
}

/**
 * When a batch that is not full should start: once its oldest request has waited `maxWaitMs`
 * for batch-mates, or when waiting longer would eat into the earliest deadline's slack (less
 * the service time the batch is expected to take), whichever comes first.
 */
export function batchDueAt(queue: readonly QueuedRequest[], maxWaitMs: number, expectedServiceMs: number): number {
  let oldest = Infinity;
  let earliestDeadline = Infinity;
  for (const request of queue) {
    oldest = Math.min(oldest, request.enqueuedAt);
    earliestDeadline = Math.min(earliestDeadline, request.deadline);
  }
  return Math.min(oldest + maxWaitMs, earliestDeadline - expectedServiceMs);
}

function ranksBefore(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
