/** Stable error codes: they reach clients verbatim and never change meaning. */
export type ErrorCode =
  | 'bad_config'
  | 'bad_audio'
  | 'bad_message'
  | 'unauthorized'
  | 'capacity_exceeded'
  | 'too_large'
  | 'session_ended'
  | 'engine_failure'
  | 'internal';

/** An error with a stable `code`; `fatal` errors end the session. */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fatal = false,
  ) {
    super(message);
  }
}
