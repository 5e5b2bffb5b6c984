import type { ErrorCode } from './errors.js';
import type { SessionConfig } from './session-config.js';

/** WebRTC signalling (design.md section 3b): `POST` an SDP offer here, `DELETE` the `Location` it answers. */
export const WEBRTC_PATH = '/v1/webrtc';

/** The media type of offers and answers (RFC 9725). */
export const SDP_CONTENT_TYPE = 'application/sdp';

/** The label of the data channel that carries the WebSocket's JSON messages both ways. */
export const PARLEY_DATA_CHANNEL = 'parley';

/**
 * A WebRTC session's input as the server sees it: the audio track decoded by libwebrtc (Opus
 * at 48 kHz), one channel of 16-bit PCM. The SDP negotiates the format, so the session config
 * cannot choose another; a query that names one of these keys must give these values.
 */
export const WEBRTC_SESSION_AUDIO = {
  encoding: 'pcm_s16le',
  sample_rate: 48000,
  channels: 1,
} as const satisfies Pick<SessionConfig, 'encoding' | 'sample_rate' | 'channels'>;

/** The JSON body of an HTTP refusal before a session exists (WebRTC signalling, tokens, refused upgrades). */
export interface HttpRefusalBody {
  code: ErrorCode;
  message: string;
}
