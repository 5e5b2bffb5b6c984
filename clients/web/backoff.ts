/** Reconnect attempts after a call's connection is lost, before the widget gives up. */
export const MAX_RECONNECT_ATTEMPTS = 5;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;

/**
 * Delay before reconnect attempt `attempt` (0-based): doubling from 500 ms up to 8 s, the
 * upper half jittered so that many widgets dropped by one server restart do not all come
 * back in the same instant; never sooner than the server's `retry_after_ms` hint.
 */
export function reconnectDelayMs(attempt: number, retryAfterMs = 0, random = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
  return Math.max(retryAfterMs, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}
