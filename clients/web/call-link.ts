import type { ClientMessage, ServerEvent, SessionEndReason } from '../../proto/messages.js';
import type { SessionConfigInput } from '../../proto/session-config.js';
import type { WidgetErrorEvent } from './widget-errors.js';

export type TransportKind = 'webrtc' | 'websocket';

/** How a link ended when the widget did not end it. */
export type LinkEnd =
  /** The server ended the session (`session.ended`), e.g. idle timeout or shutdown. */
  | { kind: 'ended'; reason: SessionEndReason }
  /** A fatal `error` event (or an HTTP refusal) came first: it names the cause. */
  | { kind: 'refused'; error: WidgetErrorEvent }
  /** The connection dropped without a word from the server. */
  | { kind: 'lost' };

export interface LinkHandlers {
  onEvent(event: ServerEvent): void;
  onEnd(end: LinkEnd): void;
}

/** Where and as whom a link connects. */
export interface LinkTarget {
  /** The server's base URL, e.g. https://voice.example.com/ (paths are resolved against it). */
  server: URL;
  /** A token from `POST /v1/tokens`, or an API key on a trusted page. */
  token: string | undefined;
  config: SessionConfigInput;
}

/** One session over one transport: the wire protocol's control messages in, events out. */
export interface CallLink {
  readonly kind: TransportKind;
  send(message: ClientMessage): void;
  /** Graceful end: `stop`, the session's last events and `session.ended` (bounded wait), then closes. */
  hangUp(): Promise<void>;
  /** Ends at once, without `stop`; idempotent. No handler is called after it. */
  close(): void;
}

/** How long a hang-up waits for the server's last events before it closes anyway. */
export const HANG_UP_WAIT_MS = 3000;

/** The link is refused for good (or retryably, as its error says): no point trying another transport. */
export class LinkRefused extends Error {
  constructor(readonly error: WidgetErrorEvent) {
    super(error.message);
  }
}

/**
 * The server's events as a link receives them, and what of them decides how the link's end
 * is reported: a fatal `error` names the cause, `session.ended` its reason, silence means lost.
 */
export class ServerEventReader {
  private fatal: WidgetErrorEvent | undefined;
  private endReason: SessionEndReason | undefined;

  /** `session.ended` came: the server has nothing more to say. */
  get sessionEnded(): boolean {
    return this.endReason !== undefined;
  }

  /** The event a message carries; undefined for anything but a JSON object with a `type`. */
  read(data: unknown): ServerEvent | undefined {
    if (typeof data !== 'string') return undefined;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return undefined;
    }
    if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') return undefined;
    const serverEvent = event as ServerEvent;
    if (serverEvent.type === 'error' && serverEvent.fatal) this.fatal = serverEvent;
    if (serverEvent.type === 'session.ended') this.endReason = serverEvent.reason;
    return serverEvent;
  }

  /** How the link ended when the widget did not end it, from what the server said before. */
  end(): LinkEnd {
    if (this.fatal) return { kind: 'refused', error: this.fatal };
    if (this.endReason) return { kind: 'ended', reason: this.endReason };
    return { kind: 'lost' };
  }
}
