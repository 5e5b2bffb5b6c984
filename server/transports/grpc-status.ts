import { Metadata, status } from '@grpc/grpc-js';
import type { ErrorCode, ParleyError } from '../../proto/errors.js';
import { ERROR_CODE_METADATA, RETRY_AFTER_METADATA } from '../../proto/grpc-messages.js';

/** The gRPC status of a fatal error (design.md section 3: fatal errors are status codes). */
export function statusForError(code: ErrorCode): status {
  switch (code) {
    case 'bad_config':
    case 'bad_audio':
    case 'bad_message':
    case 'bad_request':
    case 'unsupported_media_type':
      return status.INVALID_ARGUMENT;
    case 'unauthorized':
      return status.UNAUTHENTICATED;
    case 'origin_not_allowed':
      return status.PERMISSION_DENIED;
    case 'capacity_exceeded':
    case 'limit_exceeded':
    case 'too_large':
    case 'slow_consumer':
      return status.RESOURCE_EXHAUSTED;
    case 'start_timeout':
      return status.DEADLINE_EXCEEDED;
    case 'unavailable':
    case 'session_ended':
      return status.UNAVAILABLE;
    case 'not_found':
      return status.NOT_FOUND;
    case 'engine_failure':
    case 'internal':
      return status.INTERNAL;
  }
}

/** Trailing metadata that names Parley's stable error code (and the retry hint) beside the status. */
export function errorCodeMetadata(error: ParleyError): Metadata {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA, error.code);
  if (error.retryAfterMs !== undefined) metadata.set(RETRY_AFTER_METADATA, String(error.retryAfterMs));
  return metadata;
}
