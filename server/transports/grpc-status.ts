import { Metadata, status } from '@grpc/grpc-js';
import type { ErrorCode } from '../../proto/errors.js';
import { ERROR_CODE_METADATA } from '../../proto/grpc-messages.js';

/** The gRPC status of a fatal error (design.md section 3: fatal errors are status codes). */
export function statusForError(code: ErrorCode): status {
  switch (code) {
    case 'bad_config':
    case 'bad_audio':
    case 'bad_message':
      return status.INVALID_ARGUMENT;
    case 'unauthorized':
      return status.UNAUTHENTICATED;
    case 'capacity_exceeded':
    case 'too_large':
      return status.RESOURCE_EXHAUSTED;
    case 'session_ended':
      return status.UNAVAILABLE;
    case 'engine_failure':
    case 'internal':
      return status.INTERNAL;
  }
}

/** Trailing metadata that names Parley's stable error code beside the status. */
export function errorCodeMetadata(code: ErrorCode): Metadata {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA, code);
  return metadata;
}
