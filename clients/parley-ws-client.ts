import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import type { ClientMessage, ServerEvent, SessionEndedEvent, SessionStartedEvent } from '../proto/messages.js';
import type { SessionConfigInput } from '../proto/session-config.js';

export interface ParleyWsClientOptions {
  /** e.g. ws://localhost:8080/v1/listen */
  url: string;
  /** API key, sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Sent in the `start` message. */
  config?: SessionConfigInput;
}

type EventMap = { [E in ServerEvent as E['type']]: [E] };

export interface ParleyWsClientEvents extends EventMap {
  event: [ServerEvent];
  close: [code: number, reason: string];
}

/** A typed client of Parley's WebSocket protocol (design.md section 3). */
export class ParleyWsClient extends EventEmitter<ParleyWsClientEvents> {
  private readonly ws: WebSocket;
  readonly started: Promise<SessionStartedEvent>;
  /** Resolves with the close code once the connection is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(options: ParleyWsClientOptions) {
    super();
    const headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : undefined;
    this.ws = new WebSocket(options.url, { headers });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.emit('close', code, reason.toString());
        resolve({ code, reason: reason.toString() });
      });
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const event = JSON.parse(data.toString()) as ServerEvent;
      this.emit('event', event);
      // EventEmitter throws on an 'error' nobody listens to; that event is in 'event' already.
      if (event.type !== 'error' || this.listenerCount('error') > 0) {
        (this.emit as (type: string, event: ServerEvent) => boolean)(event.type, event);
      }
    });
    this.ws.on('open', () => this.sendMessage({ type: 'start', ...options.config }));
    this.started = new Promise((resolve, reject) => {
      this.once('session.started', resolve);
      this.closed.then(({ code, reason }) => reject(new Error(`closed before session.started: ${code} ${reason}`)));
    });
    // Callers that never await `started` must not see an unhandled rejection.
    this.started.catch(() => undefined);
  }

  /** Raw audio in the negotiated encoding. Resolves once the bytes are handed to the socket. */
  sendAudio(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.ws.send(bytes, { binary: true }, (e) => (e ? reject(e) : resolve())));
  }

  sendMessage(message: ClientMessage): void {
    this.ws.send(JSON.stringify(message));
  }

  finalize(): void {
    this.sendMessage({ type: 'finalize' });
  }

  /** Sends `stop` and resolves with `session.ended` once the server has finished. */
  stop(): Promise<SessionEndedEvent> {
    const ended = new Promise<SessionEndedEvent>((resolve, reject) => {
      this.once('session.ended', resolve);
      this.closed.then(({ code }) => reject(new Error(`closed (${code}) without session.ended`)));
    });
    this.sendMessage({ type: 'stop' });
    return ended;
  }

  /** Closes the connection without `stop`. Idempotent. */
  close(): void {
    this.ws.close();
  }
}
