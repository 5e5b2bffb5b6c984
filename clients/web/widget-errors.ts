import type { ErrorCode } from '../../proto/errors.js';
import type { ErrorEvent } from '../../proto/messages.js';

/** Failures the browser finds itself, before or beside anything the server says. */
export type ClientErrorCode =
  | 'mic_denied'
  | 'no_microphone'
  | 'mic_unavailable'
  | 'unsupported_browser'
  | 'server_unreachable'
  | 'connection_lost'
  | 'webrtc_unavailable';

/**
 * The detail of `parley-error`: the server's own `error` event as it came, or one of the
 * same shape for a failure the browser found, so a host page handles both alike.
 */
export interface WidgetErrorEvent extends Omit<ErrorEvent, 'code'> {
  code: ErrorCode | ClientErrorCode;
}

export function clientError(code: ClientErrorCode, fatal: boolean, message = USER_MESSAGES[code]): WidgetErrorEvent {
  return { type: 'error', code, message, fatal };
}

/** What the widget shows for each code: what happened and what the person can do about it. */
const USER_MESSAGES: Readonly<Record<ClientErrorCode, string>> = {
  mic_denied: 'Microphone access was denied. Allow the microphone for this site in the browser, then start the call again.',
  no_microphone: 'No microphone was found. Connect one, then start the call again.',
  mic_unavailable: 'The microphone could not be opened; another application may be using it.',
  unsupported_browser: 'This browser cannot capture audio here (it needs a secure page: https or localhost).',
  server_unreachable: 'Cannot reach the voice server. Check the connection and try again.',
  connection_lost: 'The connection to the voice server was lost.',
  webrtc_unavailable: 'WebRTC could not be used with the voice server, and this widget is set to use only WebRTC.',
};

const SERVER_MESSAGES: Partial<Record<ErrorCode, string>> = {
  unauthorized: 'The voice server refused the credentials: the token is missing, wrong or expired.',
  capacity_exceeded: 'The voice server is busy.',
  limit_exceeded: 'Too many calls are open with these credentials.',
  unavailable: 'The voice server is starting up or shutting down.',
  bad_config: 'The call settings were refused',
};

/** The sentence to show for an error, with the server's retry hint where it gave one. */
export function describeError(error: WidgetErrorEvent): string {
  const own = (USER_MESSAGES as Partial<Record<string, string>>)[error.code] ?? SERVER_MESSAGES[error.code as ErrorCode];
  // bad_config names the offending key only in the server's message.
  const text = error.code === 'bad_config' ? `${own}: ${error.message}` : (own ?? error.message);
  if (error.retry_after_ms === undefined) return text;
  return `${text} Try again in ${Math.max(1, Math.ceil(error.retry_after_ms / 1000))} s.`;
}

/** Maps a getUserMedia rejection to what the person can act on. */
export function microphoneError(error: unknown): WidgetErrorEvent {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return clientError('mic_denied', true);
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return clientError('no_microphone', true);
  return clientError('mic_unavailable', true);
}
