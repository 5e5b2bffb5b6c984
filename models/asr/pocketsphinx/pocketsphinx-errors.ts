import { ParleyError } from '../../../proto/errors.js';

/** A native failure as the client may see it; the addon's messages name the PocketSphinx call that failed. */
export function engineFailure(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('engine_failure', err instanceof Error ? err.message : String(err));
}

export function engineClosed(): ParleyError {
  return new ParleyError('internal', 'PocketSphinx engine is closed');
}

/** The caller's signal aborted while it waited for a decoder. */
export function waitAborted(): ParleyError {
  return new ParleyError('session_ended', 'the session ended while waiting for a recognizer');
}
