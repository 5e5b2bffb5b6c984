import type { ClientMessage } from '../../proto/messages.js';
import { HANG_UP_WAIT_MS, ServerEventReader, type CallLink, type LinkHandlers, type LinkTarget } from './call-link.js';
import { PCM_SAMPLE_RATE } from './pcm-format.js';

/** A server that accepts no connection within this long counts as unreachable. */
const OPEN_TIMEOUT_MS = 10_000;
/** Audio captured while the socket opens is kept (5 s of PCM16 at 16 kHz), so the first words are not lost. */
const MAX_QUEUED_AUDIO_BYTES = 5 * PCM_SAMPLE_RATE * 2;
/**
 * Audio the socket has not sent yet (10 s): above it, frames are dropped rather than piling
 * up without bound on a connection that cannot keep up with real time.
 */
const MAX_BUFFERED_BYTES = 10 * PCM_SAMPLE_RATE * 2;

/** The socket closed before it opened: nothing answered at the server's address. */
export class LinkUnreachable extends Error {}

/**
 * A session over `/v1/listen` (design.md section 3): the `start` message asks for 16 kHz
 * PCM16 mono, binary frames carry the microphone as the PCM worklet converts it, text
 * frames carry the events.
 */
export class WebSocketLink implements CallLink {
  readonly kind = 'websocket';
  /** Resolves once the socket is open (and `start` sent); rejects with LinkUnreachable. */
  readonly opened: Promise<void>;
  private readonly ws: WebSocket;
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;
  /** Set once the widget ends the link itself: no handler is called after that. */
  private ending = false;
  private readonly events = new ServerEventReader();

  constructor(target: LinkTarget, private readonly handlers: LinkHandlers) {
    const url = new URL('v1/listen', target.server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (target.token) url.searchParams.set('token', target.token);
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'arraybuffer';
    this.opened = new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.ws.close(), OPEN_TIMEOUT_MS);
      this.ws.addEventListener('open', () => {
        clearTimeout(timer);
        this.send({ type: 'start', ...target.config, encoding: 'pcm_s16le', sample_rate: PCM_SAMPLE_RATE, channels: 1 });
        for (const frame of this.queued) this.ws.send(frame);
        this.queued = [];
        resolve();
      });
      this.ws.addEventListener('close', () => {
        clearTimeout(timer);
        reject(new LinkUnreachable('the WebSocket closed before it opened'));
      });
    });
    // A caller that closes the link before it opens has no use for the rejection.
    this.opened.catch(() => undefined);
    this.ws.addEventListener('message', (message) => this.onMessage(message));
    this.ws.addEventListener('close', () => this.onClose());
  }

  send(message: ClientMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** One frame of 16 kHz PCM16; queued while the socket opens. */
  sendAudio(frame: Uint8Array): void {
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.queued.push(frame);
      this.queuedBytes += frame.byteLength;
      while (this.queuedBytes > MAX_QUEUED_AUDIO_BYTES) this.queuedBytes -= this.queued.shift()!.byteLength;
    } else if (this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount < MAX_BUFFERED_BYTES) {
      this.ws.send(frame);
    }
  }

  async hangUp(): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    if (this.ws.readyState !== WebSocket.OPEN) return this.close();
    // The server answers `stop` with the open turn's end and `session.ended`, then closes (1000).
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, HANG_UP_WAIT_MS);
      this.ws.addEventListener('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.ws.send(JSON.stringify({ type: 'stop' } satisfies ClientMessage));
    await closed;
    this.close();
  }

  close(): void {
    this.ending = true;
    this.queued = [];
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000);
  }

  private onMessage(message: MessageEvent): void {
    const event = this.events.read(message.data);
    // Events still flow during a hang-up: the open turn's end and `session.ended` come then.
    if (event) this.handlers.onEvent(event);
  }

  private onClose(): void {
    if (this.ending) return;
    this.ending = true;
    this.opened.then(
      () => this.handlers.onEnd(this.events.end()),
      // Before it opened, the caller awaiting `opened` hears of it.
      () => undefined,
    );
  }
}
