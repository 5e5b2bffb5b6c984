import { WebSocket, type RawData } from 'ws';
import { ParleyError } from '../../proto/errors.js';
import type { ServerEvent } from '../../proto/messages.js';
import type { ConnectionEnding, ConnectionTransport } from '../session/connection-transport.js';
import { SessionConnection } from '../session/session-connection.js';
import type { SessionHost } from '../session/session-host.js';
import { closeCodeForError, WS_CLOSE } from './ws-close-codes.js';
import { CLOSE_HANDSHAKE_MS } from './close-handshake.js';

export interface WsClient {
  credential: string | undefined;
  address: string;
  queryConfig: Record<string, unknown>;
}

/**
 * One WebSocket of `/v1/listen`: binary frames are audio, text frames JSON messages, events
 * go out as text frames. The SessionConnection does everything else.
 */
export function serveWebSocket(ws: WebSocket, client: WsClient, host: SessionHost): SessionConnection {
  const transport: ConnectionTransport = {
    kind: 'websocket',
    announcesRefusals: true,
    send: (event: ServerEvent) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(event));
    },
    get bufferedBytes() {
      return ws.bufferedAmount;
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: (ending) => closeSocket(ws, ending),
    closed: new Promise<void>((resolve) => ws.once('close', () => resolve())),
  };
  const connection = new SessionConnection(host, transport, { ...client, startsOn: 'any_message' });
  ws.on('message', (data, isBinary) => {
    if (isBinary) connection.onAudio(toBytes(data));
    else connection.onText(toBytes(data).toString());
  });
  ws.on('close', () => connection.onGone());
  // ws reports protocol violations (bad frames, a message over maxPayload) here, after it has
  // started its own close (1002, 1007, 1009): no event can reach the client any more, but
  // the session ends with the cause in the log.
  ws.on('error', (error: Error & { code?: string }) => connection.onClientError(protocolError(error)));
  return connection;
}

function closeSocket(ws: WebSocket, ending: ConnectionEnding): void {
  if (ending.kind === 'gone' || ws.readyState === WebSocket.CLOSED) {
    ws.terminate();
    return;
  }
  ws.close(closeCodeFor(ending));
  // A client that never reads would hold the socket until ws's own 30 s close timeout.
  const cutoff = setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_MS);
  ws.once('close', () => clearTimeout(cutoff));
}

function closeCodeFor(ending: Exclude<ConnectionEnding, { kind: 'gone' }>): number {
  switch (ending.kind) {
    case 'normal':
      return WS_CLOSE.normal;
    case 'shutdown':
      return WS_CLOSE.goingAway;
    case 'failed':
      return closeCodeForError(ending.error.code);
  }
}

function protocolError(error: Error & { code?: string }): ParleyError {
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return new ParleyError('too_large', 'a message was larger than limits.max_message_bytes', true);
  return new ParleyError('bad_message', `WebSocket protocol error (${error.code ?? 'unknown'})`, true);
}

function toBytes(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return data;
}
