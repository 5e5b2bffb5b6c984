import type { ParleyError } from '../../proto/errors.js';
import type { ServerEvent } from '../../proto/messages.js';

/** Which wire a connection came in on; named in logs and metrics. */
export type TransportKind = 'websocket' | 'grpc' | 'webrtc';

/**
 * How a connection ends; each transport maps it to its own wire (WebSocket close code, gRPC
 * status, data channel and peer connection close).
 * - `normal`: the session ended as agreed (stop, idle timeout, max duration).
 * - `shutdown`: the server is draining.
 * - `failed`: a fatal error, before a session started (a refusal) or during one.
 * - `gone`: the client vanished; nothing can be sent.
 */
export type ConnectionEnding =
  | { kind: 'normal' }
  | { kind: 'shutdown' }
  | { kind: 'failed'; error: ParleyError }
  | { kind: 'gone' };

/**
 * What a transport gives a SessionConnection: it converts events to bytes and sends them,
 * pauses and resumes reading, and closes. Everything else (auth, limits, timers, config,
 * errors, drain) is the connection's, the same for every transport.
 */
export interface ConnectionTransport {
  readonly kind: TransportKind;
  /**
   * Whether a refusal before the session (auth, limits, bad config) is sent as an `error`
   * event ahead of the close (WebSocket), or carried by the close alone (a gRPC status).
   */
  readonly announcesRefusals: boolean;
  /** Writes one event; never throws (a closed wire drops it). */
  send(event: ServerEvent): void;
  /** Bytes written but not yet taken by the client. */
  readonly bufferedBytes: number;
  /** Stop reading the client's input until `resume` (backpressure on its audio). */
  pause(): void;
  resume(): void;
  /** Ends the wire. Called once. */
  close(ending: ConnectionEnding): void;
  /** Resolves once the wire is really closed (a WebSocket's close handshake done or cut off). */
  readonly closed: Promise<void>;
}
