import { status } from '@grpc/grpc-js';
import type { ErrorCode } from '../proto/errors.js';
import type { ServerEvent, SessionEndedEvent, SessionStartedEvent } from '../proto/messages.js';
import type { SessionConfigInput } from '../proto/session-config.js';
import { ParleyGrpcClient } from './parley-grpc-client.js';
import { ParleyWsClient } from './parley-ws-client.js';

/** Where a call goes: a WebSocket URL, or a gRPC `host:port` (which wins when both are set). */
export interface CallTarget {
  url?: string;
  grpc?: string;
  apiKey?: string;
}

/** How a call ended, on either transport. */
export interface CallEnd {
  /** WebSocket close code, or gRPC status code. */
  closeCode: number;
  /** Ended as agreed: close 1000, or status OK. */
  ok: boolean;
  /** `ws 1000`, `grpc UNAVAILABLE`: for reports. */
  label: string;
  /** Parley's error code from the gRPC trailers (over the WebSocket it is in the `error` event). */
  errorCode?: ErrorCode;
}

/** One session on either transport, with the same shape. */
export interface ParleyCall {
  readonly started: Promise<SessionStartedEvent>;
  sendAudio(bytes: Uint8Array): Promise<void>;
  /** Sends `stop` and resolves with `session.ended`. */
  stop(): Promise<SessionEndedEvent>;
  /** Drops the connection at once. */
  close(): void;
  readonly closed: Promise<CallEnd>;
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
  if (!target.url) throw new Error('a call needs a WebSocket url or a gRPC address');
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
