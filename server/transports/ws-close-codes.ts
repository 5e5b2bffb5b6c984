import type { ErrorCode } from '../../proto/errors.js';

/** WebSocket close codes of design.md section 3. */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
} as const;

export function closeCodeForError(code: ErrorCode): number {
  switch (code) {
    case 'too_large':
      return WS_CLOSE.tooBig;
    case 'capacity_exceeded':
    case 'unavailable':
      return WS_CLOSE.tryAgainLater;
    case 'engine_failure':
    case 'internal':
      return WS_CLOSE.internal;
    default:
      return WS_CLOSE.policy;
  }
}
