import type { ErrorCode } from '../../proto/errors.js';

/** The HTTP status of a refusal before a session exists (upgrade, HTTP endpoints). */
export function httpStatusForError(code: ErrorCode): number {
  switch (code) {
    case 'bad_config':
    case 'bad_audio':
    case 'bad_message':
    case 'bad_request':
      return 400;
    case 'unauthorized':
      return 401;
    case 'origin_not_allowed':
      return 403;
    case 'not_found':
      return 404;
    case 'start_timeout':
      return 408;
    case 'too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'limit_exceeded':
    case 'slow_consumer':
      return 429;
    case 'capacity_exceeded':
    case 'unavailable':
    case 'session_ended':
      return 503;
    case 'engine_failure':
    case 'internal':
      return 500;
  }
}
