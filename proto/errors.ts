/** Stable error codes: they reach clients verbatim and never change meaning. */
export type ErrorCode =
  | 'bad_config'
  | 'bad_audio'
  | 'bad_message'
  | 'unauthorized'
  | 'origin_not_allowed'
  | 'capacity_exceeded'
  | 'too_large'
  | 'limit_exceeded'
  | 'start_timeout'
  | 'slow_consumer'
  | 'unavailable'
  | 'session_ended'
  | 'engine_failure'
  | 'not_found'
  | 'bad_request'
  | 'unsupported_media_type'
  | 'internal';

/**
 * An error with a stable `code`; `fatal` errors end the session. Its message reaches the
 * client, so it says what the client can act on and never carries library text.
 * `retryAfterMs` is set on refusals the client may retry later (capacity, limits, drain).
 */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fatal = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
