import { WebSocket } from 'ws';
import type { ServerEvent } from '../../proto/messages.js';
import { nextEvent } from './next-event.js';

/** A bare WebSocket peer that records every event and the close code: for misbehaving on purpose. */
export class RawPeer {
  readonly ws: WebSocket;
  readonly events: ServerEvent[] = [];
  readonly closed: Promise<number>;
  readonly opened: Promise<void>;

  constructor(url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) this.events.push(JSON.parse(data.toString()) as ServerEvent);
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
    this.opened = new Promise((resolve, reject) => {
      this.ws.on('open', () => resolve());
      this.ws.on('error', reject);
    });
  }

  send(data: string | Uint8Array | object): void {
    if (data instanceof Uint8Array) this.ws.send(data, { binary: true });
    else this.ws.send(typeof data === 'string' ? data : JSON.stringify(data));
  }

  /** Resolves with the first event of `type` (waiting for it if needed). */
  next<T extends ServerEvent['type']>(type: T, timeoutMs = 10_000): Promise<Extract<ServerEvent, { type: T }>> {
    return nextEvent(this.events, type, timeoutMs);
  }

  errors(): Array<Extract<ServerEvent, { type: 'error' }>> {
    return this.events.filter((e): e is Extract<ServerEvent, { type: 'error' }> => e.type === 'error');
  }
}
