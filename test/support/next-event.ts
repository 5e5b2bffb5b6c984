import type { ServerEvent } from '../../proto/messages.js';

/** Resolves with the first event of `type` in `events` (a list still being filled), polling until it arrives. */
export async function nextEvent<T extends ServerEvent['type']>(
  events: readonly ServerEvent[],
  type: T,
  timeoutMs = 10_000,
): Promise<Extract<ServerEvent, { type: T }>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = events.find((e) => e.type === type);
    if (found) return found as Extract<ServerEvent, { type: T }>;
    if (performance.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
