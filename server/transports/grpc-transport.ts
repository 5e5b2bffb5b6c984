import { status, type Metadata, type ServerDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { ParleyError } from '../../proto/errors.js';
import { configFromWire, eventToResponse, type DecodedVoiceRequest, type VoiceResponse } from '../../proto/grpc-messages.js';
import type { ServerEvent } from '../../proto/messages.js';
import { ApiKeyAuth } from '../auth/api-key-auth.js';
import type { ConnectionEnding, ConnectionTransport } from '../session/connection-transport.js';
import { SessionConnection } from '../session/session-connection.js';
import type { SessionHost } from '../session/session-host.js';
import { errorCodeMetadata, statusForError } from './grpc-status.js';

export type VoiceCall = ServerDuplexStream<DecodedVoiceRequest, VoiceResponse>;

type CallStatus = Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata };

/**
 * One `StreamingRecognize` call: requests to connection input, events to responses, the
 * connection's end to the call's status. The gRPC counterpart of serveWebSocket.
 */
export function serveGrpcCall(call: VoiceCall, host: SessionHost): SessionConnection {
  let buffered = 0;
  let finished = false;
  const transport: ConnectionTransport = {
    kind: 'grpc',
    announcesRefusals: false,
    send: (event: ServerEvent) => {
      if (finished || call.cancelled) return;
      // Bytes stay counted until grpc-js has handed the message to HTTP/2, which holds it
      // while the client's flow-control window is shut: the same measure as ws's bufferedAmount.
      const size = Buffer.byteLength(JSON.stringify(event));
      buffered += size;
      call.write(eventToResponse(event), () => (buffered -= size));
    },
    get bufferedBytes() {
      return buffered;
    },
    pause: () => call.pause(),
    resume: () => call.resume(),
    close: (ending) => {
      finished = true;
      endCall(call, ending);
    },
    // grpc-js owns the HTTP/2 stream's end; its server shutdown grace bounds a stuck one.
    closed: Promise.resolve(),
  };
  const connection = new SessionConnection(host, transport, {
    credential: ApiKeyAuth.bearer(call.metadata.get('authorization')[0]?.toString()),
    address: peerAddress(call.getPeer()),
    queryConfig: {},
    startsOn: 'start_message',
  });
  // grpc-js emits 'cancelled' for a client cancel, a passed deadline and a dropped
  // connection alike (and after our own status, when it is a no-op).
  call.on('cancelled', () => connection.onGone());
  call.on('data', (request: DecodedVoiceRequest) => onRequest(connection, request));
  call.on('end', () => connection.onEndOfInput());
  // A stream error (e.g. a request over the size limit) surfaces here; the call is over.
  call.on('error', () => connection.onGone());
  return connection;
}

function onRequest(connection: SessionConnection, request: DecodedVoiceRequest): void {
  switch (request.request) {
    case 'config':
      connection.onStart(configFromWire(request.config as Record<string, unknown>));
      return;
    case 'audio':
      connection.onAudio(request.audio!);
      return;
    case 'finalize':
    case 'stop':
    case 'keepalive':
      connection.onMessage({ type: request.request });
      return;
    default:
      connection.onClientError(new ParleyError('bad_message', 'a request must set one of config, audio, finalize, stop, keepalive'));
  }
}

function endCall(call: VoiceCall, ending: ConnectionEnding): void {
  if (ending.kind === 'gone' || call.cancelled) return;
  const callStatus = statusFor(ending);
  if (callStatus.code === status.OK) call.end();
  // grpc-js's way to end a streaming call with a non-OK status.
  else call.emit('error', callStatus);
}

function statusFor(ending: Exclude<ConnectionEnding, { kind: 'gone' }>): CallStatus {
  switch (ending.kind) {
    case 'normal':
      return { code: status.OK, details: 'OK' };
    case 'shutdown':
      return { code: status.UNAVAILABLE, details: 'the server is shutting down' };
    case 'failed':
      return { code: statusForError(ending.error.code), details: ending.error.message, metadata: errorCodeMetadata(ending.error) };
  }
}

/** grpc-js names the peer `host:port` (`[v6]:port`); limits count per host. */
function peerAddress(peer: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(peer);
  if (bracketed) return bracketed[1]!;
  const colon = peer.lastIndexOf(':');
  return colon > 0 ? peer.slice(0, colon) : peer;
}
