import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { ParleyError } from '../../proto/errors.js';
import type { ClientMessage, ServerEvent, SessionEndReason } from '../../proto/messages.js';
import { ApiKeyAuth } from '../auth/api-key-auth.js';
import { parseClientMessage } from '../protocol/client-message-parser.js';
import type { SessionHost } from '../session/session-host.js';
import type { Session, SessionSink } from '../session/session.js';
import { applyConfigLayer, configFromQuery, validateSessionConfig } from '../session/session-config-resolver.js';
import { closeCodeForError, WS_CLOSE } from './ws-close-codes.js';

const TOKEN_PARAM = 'token';

/**
 * One WebSocket connection of `/v1/listen`: bytes to session input, events to text frames.
 * The session starts on the first message, so a `start` message can still set its config.
 */
export class WsConnection {
  private session: Session | null = null;
  private releaseSlot: (() => void) | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  private fatalCode: number | null = null;

  constructor(
    private readonly ws: WebSocket,
    request: IncomingMessage,
    private readonly host: SessionHost,
  ) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const key = ApiKeyAuth.bearer(request.headers.authorization) ?? url.searchParams.get(TOKEN_PARAM) ?? undefined;
    ws.on('close', () => this.onClose());
    ws.on('error', () => this.onClose());
    try {
      this.releaseSlot = host.admitClient(key);
    } catch (error) {
      this.refuse(error as ParleyError);
      return;
    }
    const queryLayer = configFromQuery(url.searchParams, [TOKEN_PARAM]);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary, queryLayer));
    this.armIdleTimer();
  }

  /** Ends the session for a server shutdown. */
  shutdown(): void {
    if (this.session) this.session.close('server_shutdown');
    else this.ws.close(WS_CLOSE.goingAway);
  }

  private onMessage(data: RawData, isBinary: boolean, queryLayer: Record<string, unknown>): void {
    this.armIdleTimer();
    const bytes = toBytes(data);
    let message: ClientMessage | null = null;
    try {
      if (!isBinary) message = parseClientMessage(new TextDecoder().decode(bytes));
      if (!this.session) {
        const startLayer = message?.type === 'start' ? withoutType(message) : {};
        const config = validateSessionConfig(
          applyConfigLayer(applyConfigLayer(this.host.sessionDefaults, queryLayer), startLayer),
        );
        this.session = this.host.openSession(config, this.sink());
        if (message?.type === 'start') return;
      }
      if (message) this.onControl(this.session, message);
      else if (!this.session.pushAudio(bytes)) this.ws.pause();
    } catch (error) {
      this.report(error);
    }
  }

  private onControl(session: Session, message: ClientMessage): void {
    switch (message.type) {
      case 'start':
        throw new ParleyError('bad_message', '"start" is only accepted as the first message');
      case 'finalize':
        session.finalize();
        return;
      case 'stop':
        void session.stop();
        return;
      case 'keepalive':
        return;
    }
  }

  private sink(): SessionSink {
    return {
      event: (event) => this.send(event),
      drain: () => this.ws.resume(),
      ended: (reason) => this.onSessionEnded(reason),
    };
  }

  private onSessionEnded(reason: SessionEndReason): void {
    this.release();
    if (reason === 'client_gone') return;
    const code =
      reason === 'error' ? (this.fatalCode ?? WS_CLOSE.internal) : reason === 'server_shutdown' ? WS_CLOSE.goingAway : WS_CLOSE.normal;
    this.ws.close(code);
  }

  private send(event: ServerEvent): void {
    if (event.type === 'error' && event.fatal) this.fatalCode = closeCodeForError(event.code);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(event));
  }

  /** A ParleyError reaches the client; a fatal one ends the connection. */
  private report(error: unknown): void {
    const parley = error instanceof ParleyError ? error : new ParleyError('internal', String(error), true);
    this.send({ type: 'error', code: parley.code, message: parley.message, fatal: parley.fatal });
    if (!parley.fatal) return;
    if (this.session) this.session.close('error');
    else this.ws.close(closeCodeForError(parley.code));
  }

  private refuse(error: ParleyError): void {
    this.send({ type: 'error', code: error.code, message: error.message, fatal: true });
    this.ws.close(closeCodeForError(error.code));
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.session) this.session.close('idle_timeout');
      else this.ws.close(WS_CLOSE.normal);
    }, this.host.options.idleTimeoutMs);
  }

  private onClose(): void {
    clearTimeout(this.idleTimer);
    this.session?.close('client_gone');
    this.release();
  }

  private release(): void {
    clearTimeout(this.idleTimer);
    this.releaseSlot?.();
    this.releaseSlot = null;
  }
}

function withoutType(message: ClientMessage): Record<string, unknown> {
  const { type: _type, ...rest } = message as unknown as Record<string, unknown>;
  return rest;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
