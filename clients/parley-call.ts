import { status } from '@grpc/grpc-js';
import type { ErrorCode } from '../proto/errors.js';
import type { ServerEvent, SessionEndedEvent, SessionStartedEvent } from '../proto/messages.js';
import type { SessionConfigInput } from '../proto/session-config.js';
import { ParleyGrpcClient } from './parley-grpc-client.js';
import { ParleyWebrtcClient } from './parley-webrtc-client.js';
import { ParleyWsClient } from './parley-ws-client.js';

/**
 * Where a call goes: a WebSocket URL, a gRPC `host:port`, or the base URL of a server for
 * WebRTC (e.g. http://localhost:8080). gRPC wins over WebRTC, WebRTC over the WebSocket.
 */
export interface CallTarget {
  url?: string;
  grpc?: string;
  webrtc?: string;
  apiKey?: string;
}

/** How a call ended, on any transport. */
export interface CallEnd {
  /** WebSocket close code, gRPC status code, or the HTTP status of the WebRTC POST (201 once negotiated). */
  closeCode: number;
  /** Ended as agreed: close 1000, status OK, or WebRTC's `session.ended` with `stop` (or a timeout). */
  ok: boolean;
  /** `ws 1000`, `grpc UNAVAILABLE`, `webrtc 201 stop`: for reports. */
  label: string;
  /** Parley's error code from the gRPC trailers or the WebRTC refusal (over the WebSocket it is in the `error` event). */
  errorCode?: ErrorCode;
}

/** One session on any transport, with the same shape. */
export interface ParleyCall {
  readonly started: Promise<SessionStartedEvent>;
  sendAudio(bytes: Uint8Array): Promise<void>;
  /** Sends `stop` and resolves with `session.ended`. */
  stop(): Promise<SessionEndedEvent>;
  /** Drops the connection at once. */
  close(): void;
  readonly closed: Promise<CallEnd>;
  /**
   * WebRTC only: when the client's track began playing the first audio sent. The client holds
   * up to 200 ms before playing, so audio sent in real time `t` ms into the call left it at
   * this plus `t`, not when `sendAudio` was called.
   */
  audioStartedAt?(): number | undefined;
  /**
   * WebRTC only: when the server's audio clock started (its audio time 0), as the client sees
   * it. Audio times the server reports map to the client's clock from here, not from
   * `audioStartedAt`: the server also counts the silence before the first audio.
   */
  serverClockStartedAt?(): number | undefined;
}

/** Opens a session at `target` with `config`; every event goes to `onEvent`. */
export function openParleyCall(target: CallTarget, config: SessionConfigInput, onEvent: (event: ServerEvent) => void): ParleyCall {
  const { apiKey } = target;
  if (target.grpc) {
    const client = new ParleyGrpcClient({ address: target.grpc, apiKey, config });
    client.on('event', onEvent);
    return {
      started: client.started,
      sendAudio: (bytes) => client.sendAudio(bytes),
      stop: () => client.stop(),
      close: () => client.close(),
      closed: client.closed.then(({ code, errorCode }) => ({ closeCode: code, ok: code === status.OK, label: `grpc ${status[code]}`, errorCode })),
    };
  }
  if (target.webrtc) {
    const client = new ParleyWebrtcClient({ url: target.webrtc, apiKey, config });
    client.on('event', onEvent);
    return {
      started: client.started,
      sendAudio: (bytes) => client.sendAudio(bytes),
      stop: () => client.stop(),
      close: () => client.close(),
      audioStartedAt: () => client.audioStartedAt,
      serverClockStartedAt: () => client.serverClockStartedAt,
      closed: client.closed.then(({ status, ok, reason, errorCode }) => ({
        closeCode: status,
        ok,
        label: `webrtc ${status}${reason ? ` ${reason}` : ''}${errorCode ? ` ${errorCode}` : ''}`,
        errorCode,
      })),
    };
  }
  if (!target.url) throw new Error('a call needs a WebSocket url, a gRPC address or a WebRTC server URL');
  const client = new ParleyWsClient({ url: target.url, apiKey, config });
  client.on('event', onEvent);
  return {
    started: client.started,
    sendAudio: (bytes) => client.sendAudio(bytes),
    stop: () => client.stop(),
    close: () => client.close(),
    closed: client.closed.then(({ code }) => ({ closeCode: code, ok: code === 1000, label: `ws ${code}` })),
  };
}
